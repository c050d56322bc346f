/** Starts and stops a repeating task (injected so that tests need no real timers). */
export interface Ticker {
  start(task: () => void, intervalMs: number): () => void;
}

/** `setInterval`, unref'd where the runtime allows, so a poller never keeps a process alive. */
export const intervalTicker: Ticker = {
  start(task, intervalMs) {
    const timer = setInterval(task, intervalMs);
    (timer as { unref?: () => void }).unref?.();
    return () => clearInterval(timer);
  },
};

/**
 * Calls `check` on each item `items()` returns, every `intervalMs`, skipping those `due` refuses
 * (a check still running, an open circuit). Interval 0: never polls.
 */
export class Poller<T> {
  readonly intervalMs: number;
  readonly #ticker: Ticker;
  #stop: (() => void) | undefined;

  constructor(intervalMs: number, ticker: Ticker = intervalTicker) {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`healthCheckIntervalMs must be a number of ms from 0 (0: no polling); got ${String(intervalMs)}`);
    this.intervalMs = intervalMs;
    this.#ticker = ticker;
  }

  /** Starts polling (no-op when the interval is 0 or it already polls). */
  start(items: () => Iterable<T>, due: (item: T) => boolean, check: (item: T) => void): void {
    if (this.intervalMs === 0 || this.#stop !== undefined) return;
    this.#stop = this.#ticker.start(() => {
      for (const item of items()) if (due(item)) check(item);
    }, this.intervalMs);
  }

  get running(): boolean {
    return this.#stop !== undefined;
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }
}
