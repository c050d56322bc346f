import { ThreadspaceError } from "@threadspace/errors";

/** `storage_unavailable` from driver `name`: what happened and what to do. */
export function unavailable(name: string, message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("storage_unavailable", `storage (${name}): ${message}`, cause === undefined ? {} : { cause });
}

/** The error of any use after `close()`. */
export function closedError(name: string): ThreadspaceError {
  return unavailable(name, "the driver was closed; create a new one to use the storage again.");
}

/** `quota_exceeded` from driver `name`; nothing of the batch was written. */
export function quotaError(name: string, message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("quota_exceeded", `storage (${name}): ${message}`, cause === undefined ? {} : { cause });
}
