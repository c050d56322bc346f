/** What the scheduler counted. */
export interface TickStats {
  /** Ticks started. */
  ticks: number;
  /** Ticks skipped because the previous one was still running. */
  skipped: number;
  /** Ticks that failed. */
  failures: number;
}

/** Longest delay timers accept (about 24.8 days); longer ones would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `tick` every `interval` seconds. A tick that is due while the previous one is still
 * running is skipped (counted in `stats.skipped`), never queued, so a slow plugin does not pile
 * up work. The timer does not keep Node alive (`unref`).
 *
 * @example
 * const ticks = new TickScheduler(() => runner.callBytes("on_tick", JSON.stringify({ at: Date.now() })), reportError);
 * ticks.start(300); // every 5 minutes
 * ticks.stop();
 */
export class TickScheduler {
  readonly stats: TickStats = { ticks: 0, skipped: 0, failures: 0 };
  readonly #tick: () => Promise<unknown>;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;
  #interval: number | undefined;

  constructor(tick: () => Promise<unknown>, onError: (error: unknown) => void) {
    this.#tick = tick;
    this.#onError = onError;
  }

  /** The interval in seconds, or undefined when stopped. */
  get interval(): number | undefined {
    return this.#interval;
  }

  /** True while a tick runs. */
  get running(): boolean {
    return this.#running;
  }

  /** (Re)starts ticking every `seconds` (> 0); the first tick comes one interval from now. */
  start(seconds: number): void {
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`a tick interval is a number of seconds above 0; got ${seconds}`);
    this.stop();
    this.#interval = seconds;
    const delay = Math.min(Math.max(1, Math.round(seconds * 1000)), MAX_DELAY_MS);
    const timer = setInterval(() => this.#fire(), delay);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  /** Stops ticking; a tick already running finishes. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#interval = undefined;
  }

  #fire(): void {
    if (this.#running) {
      this.stats.skipped++;
      return;
    }
    this.#running = true;
    this.stats.ticks++;
    let pending: Promise<unknown>;
    try {
      pending = this.#tick();
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => {
        this.#running = false;
      },
      (error: unknown) => {
        this.#running = false;
        this.stats.failures++;
        this.#onError(error);
      },
    );
  }
}
