import { ThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { HostFailure, type HostErrorCode } from "../host-types.ts";
import { autoCommit, storedCommit, type CallTransaction, type StorageLink } from "../transaction.ts";

/** Options of the embedder's writes (`engine.memories.put(input, { durable: true })`, ...). */
export interface WriteOptions {
  /**
   * `true`: return a promise that resolves once the write is stored (and only then visible),
   * like a plugin call's writes; it rejects with a `ThreadspaceError` (`quota_exceeded`,
   * `storage_unavailable`, `bad_input`, ...) and keeps nothing when the write cannot be stored.
   * Absent: the write applies at once and is stored behind (a storage failure is only logged).
   */
  readonly durable: true;
}

const CODES: Partial<Record<HostErrorCode, ThreadspaceErrorCode>> = {
  permission_denied: "permission_denied",
  quota_exceeded: "quota_exceeded",
};

/**
 * Runs an embedder-side operation in its own transaction, committed at once (so it publishes
 * the same events as a plugin's write). A refused request throws a `ThreadspaceError`
 * (`bad_input` unless the host code has a namesake), its message prefixed with `where`.
 */
export function embedderCall<T>(where: string, work: (tx: CallTransaction) => T): T {
  try {
    return autoCommit("host", work);
  } catch (error) {
    throw embedderError(where, error);
  }
}

/**
 * {@link embedderCall} for a `{ durable: true }` write: the transaction is stored through `link`
 * before it applies; the promise resolves with `work`'s result after the commit and rejects with
 * a `ThreadspaceError` (nothing kept) when the request is refused or the commit fails.
 */
export function embedderWrite<T>(where: string, link: StorageLink | undefined, work: (tx: CallTransaction) => T): Promise<T> {
  return storedCommit(link, "host", work).catch((error: unknown) => {
    throw embedderError(where, error);
  });
}

/** A write of the embedder: {@link embedderWrite} with `{ durable: true }`, else {@link embedderCall}. */
export function embedderUpdate<T>(where: string, link: StorageLink | undefined, options: WriteOptions | undefined, work: (tx: CallTransaction) => T): T | Promise<T> {
  return options?.durable === true ? embedderWrite(where, link, work) : embedderCall(where, work);
}

function embedderError(where: string, error: unknown): unknown {
  if (!(error instanceof HostFailure)) return error;
  return new ThreadspaceError(CODES[error.code] ?? "bad_input", `${where}: ${error.message}`, { cause: error });
}
