import { ThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { HostFailure, type HostErrorCode } from "../host-types.ts";
import { autoCommit, type CallTransaction } from "../transaction.ts";

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
    if (!(error instanceof HostFailure)) throw error;
    throw new ThreadspaceError(CODES[error.code] ?? "bad_input", `${where}: ${error.message}`, { cause: error });
  }
}
