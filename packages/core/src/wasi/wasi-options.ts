import { ThreadspaceError } from "@threadspace/errors";

/** A value for every plugin, or per plugin by name. */
export type PerPlugin<T> = T | ((plugin: string) => T);

/**
 * WASI preview 1 as the engine serves it (docs/compat.md). By default WASI runs with nothing
 * mounted and its output discarded; these options change that, for every plugin or per plugin.
 */
export interface EngineWasiOptions {
  /** Send each line a plugin writes to stdout (level info) or stderr (level warn) to its log (`fields.wasi`: the stream). Default false. Node only (inline, bridge workers, pools); elsewhere, and under Extism's runInWorker, a note says the output is discarded. */
  readonly output?: PerPlugin<boolean>;
  /**
   * Read-only directories a plugin sees (guest path to host directory), like Extism's
   * `allowedPaths` but never writable: a write, create, rename or delete fails inside the plugin
   * with EROFS. Node only (inline, bridge workers, pools); refused elsewhere, and under Extism's
   * runInWorker, with `bad_input`.
   *
   * @example createEngine({ wasi: { allowedPaths: (plugin) => (plugin === "indexer" ? { "/data": "/srv/indexer-data" } : {}) } })
   */
  readonly allowedPaths?: PerPlugin<Readonly<Record<string, string>>>;
}

/** {@link EngineWasiOptions} answered for one plugin. */
export interface PluginWasi {
  readonly output: boolean;
  readonly allowedPaths: Readonly<Record<string, string>>;
}

/** Checks the options at `createEngine`; `served`: whether this runtime has the engine's own WASI. */
export function resolveWasiOptions(options: EngineWasiOptions | undefined, served: boolean): (plugin: string) => PluginWasi {
  if (options === undefined) return () => ({ output: false, allowedPaths: {} });
  const { output = false, allowedPaths = {} } = options;
  if (typeof allowedPaths !== "function" && Object.keys(allowedPaths).length > 0 && !served) throw notServed();
  return (plugin) => {
    const paths = typeof allowedPaths === "function" ? allowedPaths(plugin) : allowedPaths;
    return { output: (typeof output === "function" ? output(plugin) : output) === true, allowedPaths: paths ?? {} };
  };
}

/** The error for a mount where the engine cannot serve one. */
export function notServed(plugin?: string): ThreadspaceError {
  return new ThreadspaceError("bad_input", "wasi.allowedPaths (a read-only WASI mount) is available in Node only: browsers and workerd have no host file system to mount. Remove the option on this runtime.", plugin === undefined ? {} : { plugin });
}
