import { ThreadspaceError } from "@threadspace/errors";
import { quotaError, unavailable } from "../errors.ts";

/** The errors reachable from `error`: itself, its `cause`, `error`, `inner` and `target.error`, and the `related` ones (a transaction's `error`). */
function chain(error: unknown, related: readonly unknown[]): { name?: unknown; code?: unknown; message?: unknown }[] {
  const out: { name?: unknown; code?: unknown; message?: unknown }[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== "object" || seen.has(value) || depth > 4) return;
    seen.add(value);
    out.push(value as { name?: unknown });
    const record = value as { cause?: unknown; error?: unknown; inner?: unknown; target?: { error?: unknown } | null };
    visit(record.cause, depth + 1);
    visit(record.error, depth + 1);
    visit(record.inner, depth + 1);
    if (typeof record.target === "object" && record.target !== null) visit(record.target.error, depth + 1);
  };
  visit(error, 0);
  for (const value of related) visit(value, 0);
  return out;
}

/** DOMException's legacy code of QuotaExceededError (`QUOTA_EXCEEDED_ERR`). */
const QUOTA_EXCEEDED_ERR = 22;

/** True for a browser's "out of space" error, however it is spelled (Chromium, Firefox, Safari, legacy). */
export function isQuotaError(error: unknown, related: readonly unknown[] = []): boolean {
  return chain(error, related).some((e) => e.name === "QuotaExceededError" || e.name === "NS_ERROR_DOM_QUOTA_REACHED" || (e.code === QUOTA_EXCEEDED_ERR && typeof DOMException !== "undefined" && e instanceof DOMException));
}

/** True when the error means the connection went away (closed, force-closed, transaction aborted by the browser). */
export function isConnectionLost(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "InvalidStateError" || name === "AbortError" || name === "TransactionInactiveError";
}

/**
 * Maps an IndexedDB failure to a ThreadspaceError: any QuotaExceededError in the chain (also
 * inside an AbortError, or as the transaction's `error`) is `quota_exceeded`, a DataCloneError is
 * `bad_input`, everything else `storage_unavailable` with what to do.
 *
 * @example
 * mapIdbError(new DOMException("AbortError", "AbortError"), "commit", [tx.error]) // quota_exceeded when tx.error is one
 */
export function mapIdbError(error: unknown, doing: string, related: readonly unknown[] = []): ThreadspaceError {
  if (error instanceof ThreadspaceError) return error;
  if (isQuotaError(error, related)) {
    return quotaError("indexeddb", `${doing} failed: the browser's storage quota for this site is used up, so nothing of it was kept. Free space (delete data, uninstall plugins) or ask for persistent storage with navigator.storage.persist().`, error);
  }
  const errors = chain(error, related);
  const name = (errors.find((e) => e.name !== "AbortError")?.name ?? errors[0]?.name ?? "Error") as string;
  const message = String(errors.find((e) => e.name === name)?.message ?? error);
  if (name === "DataCloneError") return new ThreadspaceError("bad_input", `storage (indexeddb): ${doing} failed: a value cannot be stored (${message}).`, { cause: error });
  if (name === "VersionError") return unavailable("indexeddb", `${doing} failed: the database was upgraded to a newer version by another tab or a newer Threadspace (${message}); reload this page.`, error);
  if (name === "InvalidStateError" || name === "AbortError") return unavailable("indexeddb", `${doing} failed: the database connection was closed (${message}); reload this page if it keeps failing.`, error);
  return unavailable("indexeddb", `${doing} failed: ${name}: ${message}`, error);
}

/**
 * True for an error of `indexedDB.open` that means the browser cannot open its store (Chromium's
 * "UnknownError: Internal error opening backing store", and any other open-time failure), as
 * opposed to a newer schema (`VersionError`), a full quota or an already mapped error.
 */
export function isOpenFailure(error: unknown): boolean {
  if (error instanceof ThreadspaceError || isQuotaError(error)) return false;
  return (error as { name?: unknown } | null)?.name !== "VersionError";
}

/**
 * The `storage_unavailable` error of a database the browser could not open: what failed, what
 * was `tried`, and what the embedder can do.
 *
 * @example
 * openFailureError(new DOMException("Internal error opening backing store for indexedDB.open.", "UnknownError"), "my-app", "opened twice, 100 ms apart")
 */
export function openFailureError(error: unknown, database: string, tried: string): ThreadspaceError {
  const errors = chain(error, []);
  const name = String(errors[0]?.name ?? "Error");
  const message = String(errors[0]?.message ?? error);
  return unavailable(
    "indexeddb",
    `the browser could not open its IndexedDB store "${database}" (${name}: ${message}); it may have been damaged by a browser crash. Tried: ${tried}. ` +
      `Nothing was written and nothing is started empty. To start over (its data is lost), create the driver with indexedDbStorage({ name: "${database}", onDamaged: () => "delete" }) ` +
      `or call deleteIndexedDbStorage("${database}"), or clear this site's data; restarting the browser sometimes helps.`,
    error,
  );
}
