import { ThreadspaceError } from "@threadspace/errors";
import type { CallChains } from "../../calls/call-chains.ts";
import { InstantiationNotStartedError, PoolWorker, type PoolGuestSpec } from "./pool-worker.ts";
import type { PooledInstance } from "./pooled-instance.ts";

/**
 * The engine-wide worker cap (`isolation.maxWorkers`), which pool workers count against: a pool
 * starts another worker only when a slot is free at once (else its plugins share the workers it
 * has), and waits for one only to start its first.
 */
export interface PoolSlots {
  acquire(): Promise<() => void>;
  tryAcquire(): (() => void) | undefined;
}

/** Spinning before sleeping, in µs, on the engine's side and in the worker (as `isolation.spinMicros`). */
export interface PoolSpin {
  readonly engine: number;
  readonly worker: number;
}

/**
 * A named set of at most `size` pool workers. A plugin goes to the worker with the fewest plugins
 * that holds none of its dependencies or dependents (so a `ts_plugin_call` between them never
 * waits for its own worker), else to the least loaded one; a new worker is started while fewer
 * than `size` run (and, under `isolation.maxWorkers`, a slot is free) and every running one
 * already hosts a plugin. A worker that is gone (terminated for a runaway plugin, crashed) is
 * forgotten and gives its slot back; its plugins' next calls place them again. A worker whose
 * last plugin left is closed.
 */
export class WorkerPool {
  readonly name: string;
  readonly size: number;
  readonly #spin: PoolSpin;
  readonly #chains: CallChains;
  readonly #slots: PoolSlots | undefined;
  readonly #workers: PoolWorker[] = [];
  #started = 0;
  #closed = false;

  /** `chains`: what the engine's plugins wait for (shared by its pools); `slots`: the engine's worker cap, when it has one. */
  constructor(name: string, size: number, spin: PoolSpin, chains: CallChains, slots?: PoolSlots) {
    this.name = name;
    this.size = size;
    this.#spin = spin;
    this.#chains = chains;
    this.#slots = slots;
  }

  /** Workers running now. */
  get workers(): number {
    return this.#workers.length;
  }

  /**
   * Instantiates a plugin in one of the pool's workers. An instantiation whose worker went away
   * before its turn (a neighbour's start function or call that would not stop) is placed again,
   * once, in a live worker: nothing of it ran.
   */
  async instantiate(spec: PoolGuestSpec, retried = false): Promise<PooledInstance> {
    if (this.#closed) throw new ThreadspaceError("plugin_unavailable", `could not start: its pool (${this.name}) was closed with the engine.`, { plugin: spec.guest.plugin });
    const worker = this.#place(spec.guest.plugin, spec.guest.dependencies) ?? (await this.#firstWorker(spec.guest.plugin, spec.guest.dependencies));
    try {
      return await worker.instantiate(spec);
    } catch (error) {
      if (retried || this.#closed || !(error instanceof InstantiationNotStartedError)) throw error;
      return this.instantiate(spec, true);
    }
  }

  /** The number of the worker `plugin`'s instance lives in (undefined: none here). */
  workerOf(plugin: string): number | undefined {
    for (const worker of this.#workers) for (const guest of worker.guests()) if (guest.plugin === plugin) return worker.number;
    return undefined;
  }

  /** Terminates every worker (the engine is closing); a later instantiation fails. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.splice(0).map((worker) => worker.close()));
  }

  /** The worker a plugin goes to; undefined when the pool has none and the worker cap has no slot free now. */
  #place(plugin: string, dependencies: ReadonlySet<string>): PoolWorker | undefined {
    const apart = (worker: PoolWorker): boolean => {
      for (const guest of worker.guests()) if (dependencies.has(guest.plugin) || guest.dependencies.has(plugin)) return false;
      return true;
    };
    const byLoad = [...this.#workers].sort((a, b) => a.load - b.load);
    const free = byLoad.find((worker) => worker.load === 0 && apart(worker));
    if (free !== undefined) return free;
    if (this.#workers.length < this.size) {
      const slot = this.#slots === undefined ? () => undefined : this.#slots.tryAcquire();
      if (slot !== undefined) return this.#spawn(slot);
    }
    return byLoad.find(apart) ?? byLoad[0];
  }

  /** The pool's first worker, once the worker cap gives a slot (an install waits, as a worker plugin's does). */
  async #firstWorker(plugin: string, dependencies: ReadonlySet<string>): Promise<PoolWorker> {
    const slot = await (this.#slots as PoolSlots).acquire();
    if (this.#closed) {
      slot();
      throw new ThreadspaceError("plugin_unavailable", `could not start: the engine closed while its pool (${this.name}) waited for a worker slot (isolation.maxWorkers).`, { plugin });
    }
    // Another plugin may have started a worker meanwhile: share it, and give the slot back.
    if (this.#workers.length > 0) {
      slot();
      return this.#place(plugin, dependencies) ?? (this.#workers[0] as PoolWorker);
    }
    return this.#spawn(slot);
  }

  #spawn(slot: () => void): PoolWorker {
    const number = ++this.#started;
    let worker: PoolWorker;
    try {
      worker = new PoolWorker(`pool ${this.name} #${number}`, this.#spin, this.#chains, number);
    } catch (error) {
      slot();
      throw error;
    }
    worker.onGone = (gone) => {
      this.#forget(gone);
      slot();
    };
    worker.onEmpty = (empty) => {
      this.#forget(empty);
      void empty.close();
    };
    this.#workers.push(worker);
    return worker;
  }

  #forget(worker: PoolWorker): void {
    const at = this.#workers.indexOf(worker);
    if (at >= 0) this.#workers.splice(at, 1);
  }
}
