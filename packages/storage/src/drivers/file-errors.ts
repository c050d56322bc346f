import { ThreadspaceError } from "@threadspace/errors";
import { quotaError, unavailable } from "../errors.ts";

/** A Node fs error as a ThreadspaceError: a full disk or quota is `quota_exceeded`, the rest `storage_unavailable`. */
export function fsError(error: unknown, doing: string): ThreadspaceError {
  if (error instanceof ThreadspaceError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return quotaError("file", `${doing}: the disk is full (${code}); nothing of the commit was kept. Free some space and retry.`, error);
  return unavailable("file", `${doing}: ${messageOf(error)}`, error);
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
