import { ThreadspaceError } from "@threadspace/errors";

/** `permission_denied` for a request the plugin may not make, naming the host and the rule. */
export function httpRefused(plugin: string, message: string): ThreadspaceError {
  return new ThreadspaceError("permission_denied", `http_request refused: ${message}`, { plugin });
}

/** `http_failed`: the request was allowed but did not give a usable response. */
export function httpFailed(plugin: string, message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("http_failed", `http_request failed: ${message}`, { plugin, ...(cause === undefined ? {} : { cause }) });
}
