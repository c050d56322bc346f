import { ThreadspaceError } from "@threadspace/errors";

/**
 * The upgrades running now, by plugin name. Upgrades of one name run one after another; calls
 * that reach a name while its build is being swapped wait for the swap to settle and then run on
 * whichever build serves (the new one, or the old one put back), at most `maxWaiting` of them
 * per name (then `busy`, as a full call queue is).
 */
export class UpgradeGate {
  readonly #running = new Map<string, Promise<unknown>>();
  readonly #waiting = new Map<string, number>();
  readonly #maxWaiting: number;

  constructor(maxWaiting: number) {
    this.#maxWaiting = maxWaiting;
  }

  /** Runs `work` as the upgrade of `name`, after any upgrade of it already running. */
  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.#running.get(name) ?? Promise.resolve();
    const done = before.then(work, work);
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.#running.set(name, settled);
    void settled.then(() => {
      if (this.#running.get(name) === settled) this.#running.delete(name);
    });
    return done;
  }

  /** Settles once no upgrade of `name` runs; undefined when none does (nothing to wait for: the install path stays synchronous). */
  idle(name: string): Promise<void> | undefined {
    return this.#running.has(name) ? this.#settled(name) : undefined;
  }

  async #settled(name: string): Promise<void> {
    for (let running = this.#running.get(name); running !== undefined; running = this.#running.get(name)) await running;
  }


  /**
   * For a call that found `name` without a running build: undefined when no upgrade of it runs
   * (the call fails as it would), else `retry` once the upgrade settled, or `busy` when
   * `maxWaiting` calls already wait.
   */
  after<T>(name: string, retry: () => Promise<T>): Promise<T> | undefined {
    if (!this.#running.has(name)) return undefined;
    const waiting = this.#waiting.get(name) ?? 0;
    if (waiting >= this.#maxWaiting) {
      return Promise.reject(new ThreadspaceError("busy", `is being upgraded and ${waiting} calls already wait for it, the most the engine queues per plugin (createEngine({ maxQueuedCalls })). Retry once the upgrade is done.`, { plugin: name }));
    }
    this.#waiting.set(name, waiting + 1);
    const leave = (): void => {
      const left = (this.#waiting.get(name) ?? 1) - 1;
      if (left === 0) this.#waiting.delete(name);
      else this.#waiting.set(name, left);
    };
    return this.#settled(name).then(() => {
      leave();
      return retry();
    });
  }
}
