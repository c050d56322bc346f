import { ThreadspaceError } from "@threadspace/errors";

/** The errors the engine raises about plugins by name (what is wrong and what to do). */

export function engineClosedError(): ThreadspaceError {
  return new ThreadspaceError("engine_closed", "the engine is closed; create a new one.");
}

/** No plugin `name`; `installed` lists the ones there are. */
export function pluginNotFoundError(name: string, installed: Iterable<string>): ThreadspaceError {
  const known = [...installed].join(", ") || "none";
  return new ThreadspaceError("plugin_not_found", `no plugin named "${name}" is installed (installed: ${known}).`);
}

/** An installed plugin that cannot take calls: disabled by its config, or not loaded. */
export function pluginUnavailableError(name: string, enabled: boolean): ThreadspaceError {
  if (!enabled) {
    return new ThreadspaceError("plugin_unavailable", `is disabled by its config (enabled: false). Start it with engine.config.set("${name}", { enabled: true }).`, { plugin: name });
  }
  return new ThreadspaceError("plugin_unavailable", `is installed but not loaded. Call engine.load("${name}") first.`, { plugin: name });
}

/** `name` cannot be unloaded or uninstalled while `dependents` depend on it. */
export function dependencyInUseError(name: string, dependents: readonly string[]): ThreadspaceError {
  const one = dependents.length === 1;
  return new ThreadspaceError(
    "dependency_in_use",
    `cannot be removed: ${dependents.join(", ")} depend${one ? "s" : ""} on it. Remove ${one ? "it" : "them"} first, or pass { cascade: true }.`,
    { plugin: name },
  );
}

/** `enabled: false` cannot stop `name` while `dependents` are loaded on it. */
export function cannotDisableError(name: string, dependents: readonly string[]): ThreadspaceError {
  const one = dependents.length === 1;
  return new ThreadspaceError("dependency_in_use", `cannot be disabled while ${dependents.join(", ")} depend${one ? "s" : ""} on it. Unload ${one ? "it" : "them"} first.`, { plugin: name });
}
