export type { ThreadspaceErrorCode } from "./error-codes.ts";
export { THREADSPACE_ERROR_CODES } from "./error-codes.ts";
export type { ThreadspaceIssue, ThreadspaceErrorOptions } from "./threadspace-error.ts";
export { ThreadspaceError, isThreadspaceError, messageOf } from "./threadspace-error.ts";
