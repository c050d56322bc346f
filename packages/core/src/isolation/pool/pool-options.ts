import type { PluginManifest } from "@threadspace/manifest";

/** The pool every pooled plugin joins unless `poolFor` says otherwise. */
export const DEFAULT_POOL = "default";

/** What `poolFor` is told about a plugin (its plugin.json, as installed). */
export interface PoolPlugin {
  readonly name: string;
  readonly version: string;
  readonly manifest: PluginManifest;
}

/**
 * Worker pools (`limits.isolation: "pool"`), part of `createEngine({ isolation })`.
 *
 * @example
 * // Two pools: the embedder's own plugins share one worker, everything else shares two others.
 * createEngine({ isolation: { poolSize: 2, pools: { trusted: { size: 1 } }, poolFor: (p) => (OUR_PLUGINS.has(p.name) ? "trusted" : "default") } });
 */
export interface EnginePoolOptions {
  /**
   * Most workers of the default pool (`"default"`): pooled plugins share them, each in its own
   * Extism instance. Default: the number of cores (`navigator.hardwareConcurrency`, Node's
   * `os.availableParallelism()`), at least 1.
   */
  readonly poolSize?: number;
  /** More pools by name, each with its own workers (`size`, default 1): plugins of different trust never share a worker. */
  readonly pools?: Readonly<Record<string, { readonly size?: number }>>;
  /**
   * Which pool a pooled plugin joins (a name in `pools`, or `"default"`), decided by the host
   * when the plugin starts; plugin.json cannot choose (it is as untrusted as the wasm). Default:
   * every pooled plugin joins `"default"`. A name that is not a pool fails the install (`bad_input`).
   */
  readonly poolFor?: (plugin: PoolPlugin) => string;
}
