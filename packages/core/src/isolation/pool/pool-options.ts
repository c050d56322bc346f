import type { PluginManifest } from "@threadspace/manifest";

import { platform } from "#platform";

/** The pool every pooled plugin joins unless `poolFor` says otherwise. */
export const DEFAULT_POOL = "default";

/** Most workers one pool may have (`poolSize`, `pools[name].size`): each is a thread with its own V8 isolate (≈ 7 MiB). */
export const MAX_POOL_SIZE = 256;

/** Longest pool name (it names the pool's threads and appears in messages). */
export const MAX_POOL_NAME = 64;

/** Where a pooled plugin's instance lives now: its pool, and its worker's number there (`threadspace pool <pool> #<worker>`; a replaced worker gets the next number). */
export interface PoolPlacement {
  readonly pool: string;
  readonly worker: number;
}

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
   * Extism instance. A whole number from 1 to {@link MAX_POOL_SIZE}. Default: the number of
   * cores (`navigator.hardwareConcurrency`, Node's `os.availableParallelism()`), at least 1.
   * Pool workers count against `isolation.maxWorkers`: under that cap a pool may run fewer.
   */
  readonly poolSize?: number;
  /**
   * More pools by name (1 to {@link MAX_POOL_NAME} characters), each with its own workers
   * (`size`, 1 to {@link MAX_POOL_SIZE}, default 1): plugins of different trust never share a worker.
   */
  readonly pools?: Readonly<Record<string, { readonly size?: number }>>;
  /**
   * Which pool a pooled plugin joins (a name in `pools`, or `"default"`), decided by the host
   * when the plugin starts; plugin.json cannot choose (it is as untrusted as the wasm). Default:
   * every pooled plugin joins `"default"`. It must answer at once (not a Promise); an answer
   * that is not a pool's name, or a throw, fails that install (`bad_input`).
   */
  readonly poolFor?: (plugin: PoolPlugin) => string;
}

/** The most workers of pool `name` (undefined: no such pool). `poolSize` sizes "default"; a named pool is 1 unless its `size` says. */
export function poolSize(options: EnginePoolOptions, name: string): number | undefined {
  if (name === DEFAULT_POOL) return options.poolSize ?? options.pools?.[DEFAULT_POOL]?.size ?? Math.min(Math.max(1, platform.cores()), MAX_POOL_SIZE);
  if (!Object.hasOwn(options.pools ?? {}, name)) return undefined;
  return options.pools?.[name]?.size ?? 1;
}

/**
 * Checks the pool options' ranges beyond their types (createEngine runs it): sizes up to
 * {@link MAX_POOL_SIZE}, pool names of 1 to {@link MAX_POOL_NAME} characters, and `poolSize`
 * and `pools.default.size` not both given with different values. Throws a RangeError whose
 * message starts with the option's path.
 */
export function checkPoolOptions(options: EnginePoolOptions): void {
  const size = (path: string, value: number | undefined): void => {
    if (value !== undefined && value > MAX_POOL_SIZE) throw new RangeError(`${path} is ${value}; a pool has at most ${MAX_POOL_SIZE} workers (each is a thread of its own). Use a smaller pool, or several pools (isolation.pools).`);
  };
  size("isolation.poolSize", options.poolSize);
  if (Array.isArray(options.pools)) throw new RangeError("isolation.pools must be an object of pools by name, e.g. { trusted: { size: 1 } }; got an array.");
  for (const [name, pool] of Object.entries(options.pools ?? {})) {
    if (name.length === 0 || name.length > MAX_POOL_NAME) throw new RangeError(`isolation.pools has a pool named ${JSON.stringify(name.slice(0, 80))}; a pool's name has 1 to ${MAX_POOL_NAME} characters.`);
    size(`isolation.pools.${name}.size`, pool.size);
  }
  const named = options.pools?.[DEFAULT_POOL]?.size;
  if (options.poolSize !== undefined && named !== undefined && named !== options.poolSize) {
    throw new RangeError(`isolation.poolSize (${options.poolSize}) and isolation.pools.default.size (${named}) both size the default pool and disagree. Give one of them.`);
  }
}
