import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import { KernelLimitError } from "../limits/host-memory.js";

const PLUGIN_ERROR_PREFIX = "Plugin-originated error: ";

/**
 * Turns what an Extism call threw into a typed error: the plugin's own `error_set` becomes
 * `plugin_error` with its message; anything else that stopped the guest (unreachable,
 * out-of-bounds access, stack overflow, misuse of the kernel ABI) becomes `plugin_trap`.
 */
export function translateCallError(cause: unknown, plugin: string, exportName: string): ThreadspaceError {
  if (isThreadspaceError(cause)) return cause;
  if (cause instanceof KernelLimitError) return new ThreadspaceError(cause.code, `${exportName} failed: ${cause.message}. Its effects are discarded; the plugin is still loaded.`, { plugin, cause });
  const message = messageOf(cause);
  if (message.startsWith(PLUGIN_ERROR_PREFIX)) {
    return new ThreadspaceError("plugin_error", `${exportName} failed: ${message.slice(PLUGIN_ERROR_PREFIX.length)}`, { plugin, cause });
  }
  const kind = cause instanceof RangeError ? "overflowed its stack" : "trapped";
  return new ThreadspaceError("plugin_trap", `${exportName} ${kind}: ${message}. The plugin is still loaded; this call's effects are discarded.`, { plugin, cause });
}
