import type { CallChains } from "./call-chains.ts";
import { PoolWorker, type PoolGuestSpec } from "./pool-worker.ts";
import type { PooledInstance } from "./pooled-instance.ts";

/** Spinning before sleeping, in µs, on the engine's side and in the worker (as `isolation.spinMicros`). */
export interface PoolSpin {
  readonly engine: number;
  readonly worker: number;
}

/**
 * A named set of at most `size` pool workers. A plugin goes to the worker with the fewest plugins
 * that holds none of its dependencies or dependents (so a `ts_plugin_call` between them never
 * waits for its own worker), else to the least loaded one; a new worker is started while fewer
 * than `size` run and every running one already hosts a plugin. A worker that is gone (terminated
 * for a runaway plugin, crashed) is forgotten; its plugins' next calls place them again. A worker
 * whose last plugin left is closed.
 */
export class WorkerPool {
  readonly name: string;
  readonly size: number;
  readonly #spin: PoolSpin;
  readonly #chains: CallChains;
  readonly #workers: PoolWorker[] = [];
  #started = 0;

  /** `chains`: the engine's running pooled calls and their callers (shared by its pools). */
  constructor(name: string, size: number, spin: PoolSpin, chains: CallChains) {
    this.name = name;
    this.size = size;
    this.#spin = spin;
    this.#chains = chains;
  }

  /** Workers running now. */
  get workers(): number {
    return this.#workers.length;
  }

  /** Instantiates a plugin in one of the pool's workers. */
  instantiate(spec: PoolGuestSpec): Promise<PooledInstance> {
    return this.#place(spec.guest.plugin, spec.guest.dependencies).instantiate(spec);
  }

  /** Terminates every worker (the engine is closing). */
  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((worker) => worker.close()));
  }

  #place(plugin: string, dependencies: ReadonlySet<string>): PoolWorker {
    const apart = (worker: PoolWorker): boolean => {
      for (const guest of worker.guests()) if (dependencies.has(guest.plugin) || guest.dependencies.has(plugin)) return false;
      return true;
    };
    const byLoad = [...this.#workers].sort((a, b) => a.load - b.load);
    const free = byLoad.find((worker) => worker.load === 0 && apart(worker));
    if (free !== undefined) return free;
    if (this.#workers.length < this.size) return this.#spawn();
    return byLoad.find(apart) ?? (byLoad[0] as PoolWorker);
  }

  #spawn(): PoolWorker {
    const worker = new PoolWorker(`pool ${this.name} #${++this.#started}`, this.#spin, this.#chains);
    worker.onGone = (gone) => this.#forget(gone);
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
