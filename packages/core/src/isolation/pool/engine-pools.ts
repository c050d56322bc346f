import { ThreadspaceError } from "@threadspace/errors";
import type { PooledInstance } from "./pooled-instance.ts";
import type { PoolGuestSpec } from "./pool-worker.ts";
import { DEFAULT_POOL, poolSize, type EnginePoolOptions, type PoolPlacement, type PoolPlugin } from "./pool-options.ts";
import { WorkerPool, type PoolSlots, type PoolSpin } from "./worker-pool.ts";
import type { CallChains } from "../../calls/call-chains.ts";
import { DEFAULT_SPIN_MICROS, type EngineIsolationOptions } from "../isolation-policy.ts";

/**
 * An engine's pools from its isolation options (spinning as `isolation.spinMicros`, like workers
 * of one plugin), with the engine's wait chains and worker cap (`isolation.maxWorkers`, which
 * pool workers count against).
 */
export function enginePools(options: EngineIsolationOptions = {}, chains: CallChains, slots?: PoolSlots): EnginePools {
  return new EnginePools(options, { engine: options.spinMicros?.engine ?? DEFAULT_SPIN_MICROS.engine, worker: options.spinMicros?.worker ?? DEFAULT_SPIN_MICROS.worker }, chains, slots);
}

/** How a value `poolFor` returned reads in a message (it is the embedder's code: anything). */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function") return "a Promise (poolFor must answer at once, not async)";
  return value === null ? "null" : typeof value;
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
  /** The pool each pooled plugin joined when it last started. */
  readonly #joined = new Map<string, string>();
  readonly #chains: CallChains;
  readonly #slots: PoolSlots | undefined;

  constructor(options: EnginePoolOptions, spin: PoolSpin, chains: CallChains, slots?: PoolSlots) {
    this.#options = options;
    this.#spin = spin;
    this.#chains = chains;
    this.#slots = slots;
  }

  /**
   * The pool a plugin joins (`poolFor`, else `"default"`). Throws `bad_input` when `poolFor`
   * names no pool or throws.
   */
  poolOf(plugin: PoolPlugin): WorkerPool {
    let name: unknown = DEFAULT_POOL;
    const poolFor = this.#options.poolFor;
    if (poolFor !== undefined) {
      try {
        name = poolFor(plugin);
      } catch (cause) {
        throw new ThreadspaceError("bad_input", `isolation.poolFor threw for this plugin: ${cause instanceof Error ? cause.message : String(cause)}. It must return the name of a pool.`, { plugin: plugin.name, cause });
      }
    }
    const size = typeof name === "string" ? poolSize(this.#options, name) : undefined;
    if (typeof name !== "string" || size === undefined) {
      const known = [DEFAULT_POOL, ...Object.keys(this.#options.pools ?? {})].map((each) => JSON.stringify(each)).join(", ");
      throw new ThreadspaceError("bad_input", `isolation.poolFor chose the pool ${shown(name)}, which createEngine({ isolation: { pools } }) does not define. It must return the name of a pool: ${known}.`, { plugin: plugin.name });
    }
    this.#joined.set(plugin.name, name);
    const pool = this.#pools.get(name);
    if (pool !== undefined) return pool;
    const created = new WorkerPool(name, size, this.#spin, this.#chains, this.#slots);
    this.#pools.set(name, created);
    return created;
  }

  /** The pool a plugin joined and the number of the worker its current instance lives in (no `worker`: no instance now). */
  placementOf(plugin: string): Partial<PoolPlacement> | undefined {
    const name = this.#joined.get(plugin);
    if (name === undefined) return undefined;
    const worker = this.#pools.get(name)?.workerOf(plugin);
    return worker === undefined ? { pool: name } : { pool: name, worker };
  }

  /** Forgets which pool an uninstalled plugin joined (its instance is gone with it). */
  forget(plugin: string): void {
    this.#joined.delete(plugin);
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
