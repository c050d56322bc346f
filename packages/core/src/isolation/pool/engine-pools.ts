import { platform } from "#platform";
import { ThreadspaceError } from "@threadspace/errors";
import type { PooledInstance } from "./pooled-instance.ts";
import type { PoolGuestSpec } from "./pool-worker.ts";
import { DEFAULT_POOL, type EnginePoolOptions, type PoolPlugin } from "./pool-options.ts";
import { WorkerPool, type PoolSpin } from "./worker-pool.ts";
import { CallChains } from "./call-chains.ts";
import { DEFAULT_SPIN_MICROS, type EngineIsolationOptions } from "../isolation-policy.ts";

/** An engine's pools from its isolation options (spinning as `isolation.spinMicros`, like workers of one plugin). */
export function enginePools(options: EngineIsolationOptions = {}): EnginePools {
  return new EnginePools(options, { engine: options.spinMicros?.engine ?? DEFAULT_SPIN_MICROS.engine, worker: options.spinMicros?.worker ?? DEFAULT_SPIN_MICROS.worker });
}

/**
 * An engine's worker pools (`limits.isolation: "pool"`): the default pool (`poolSize` workers)
 * and the named ones (`pools`), started lazily (a pool starts its first worker with its first
 * plugin) and closed with the engine.
 */
export class EnginePools {
  readonly #options: EnginePoolOptions;
  readonly #spin: PoolSpin;
  readonly #pools = new Map<string, WorkerPool>();
  readonly #chains = new CallChains();

  constructor(options: EnginePoolOptions, spin: PoolSpin) {
    this.#options = options;
    this.#spin = spin;
  }

  /**
   * The pool a plugin joins (`poolFor`, else `"default"`). Throws `bad_input` when `poolFor`
   * names no pool or throws.
   */
  poolOf(plugin: PoolPlugin): WorkerPool {
    let name = DEFAULT_POOL;
    const poolFor = this.#options.poolFor;
    if (poolFor !== undefined) {
      try {
        name = poolFor(plugin);
      } catch (cause) {
        throw new ThreadspaceError("bad_input", `isolation.poolFor threw for this plugin: ${cause instanceof Error ? cause.message : String(cause)}. It must return the name of a pool.`, { plugin: plugin.name, cause });
      }
    }
    const pool = this.#pools.get(name);
    if (pool !== undefined) return pool;
    const size = name === DEFAULT_POOL ? (this.#options.poolSize ?? this.#options.pools?.[DEFAULT_POOL]?.size ?? platform.cores()) : (typeof name === "string" && Object.hasOwn(this.#options.pools ?? {}, name) ? (this.#options.pools?.[name]?.size ?? 1) : undefined);
    if (size === undefined) {
      const known = [DEFAULT_POOL, ...Object.keys(this.#options.pools ?? {})].map((each) => JSON.stringify(each)).join(", ");
      throw new ThreadspaceError("bad_input", `isolation.poolFor chose the pool ${JSON.stringify(name)}, which createEngine({ isolation: { pools } }) does not define. The pools are: ${known}.`, { plugin: plugin.name });
    }
    const created = new WorkerPool(name, size, this.#spin, this.#chains);
    this.#pools.set(name, created);
    return created;
  }

  /** The function a plugin's supervisor calls for each fresh instance: instantiate it in its pool. */
  instances(pool: WorkerPool, spec: () => PoolGuestSpec): () => Promise<PooledInstance> {
    return () => pool.instantiate(spec());
  }

  /** Workers running per pool (for tests and debugging). */
  workers(): Record<string, number> {
    return Object.fromEntries([...this.#pools].map(([name, pool]) => [name, pool.workers]));
  }

  /** Terminates every pool's workers (the engine closes after its plugins were unloaded). */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}
