import { ThreadspaceError } from "@threadspace/errors";

/** `permission_denied` for a request the plugin may not make, naming the host and the rule. */
export function httpRefused(plugin: string, message: string): ThreadspaceError {
  return new ThreadspaceError("permission_denied", `http_request refused: ${message}`, { plugin });
}

/** `http_failed`: the request was allowed but did not give a usable response. */
export function httpFailed(plugin: string, message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("http_failed", `http_request failed: ${message}`, { plugin, ...(cause === undefined ? {} : { cause }) });
}

/** `timeout`: the plugin call's deadline (limits.timeoutMs) passed while the request waited. */
export function httpDeadline(plugin: string, host: string): ThreadspaceError {
  return new ThreadspaceError("timeout", `http_request to ${host}: the call ran past its deadline (limits.timeoutMs) while it waited for the answer, and was stopped. Its effects are discarded; the plugin keeps serving. Raise limits.timeoutMs in plugin.json if requests need longer.`, { plugin });
}
