/** The breaker's settings (see `HealthOptions.circuitBreaker`), validated. */
export interface CircuitBreakerSettings {
  /** Consecutive failures that open it. */
  readonly failures: number;
  /** How long it stays open the first time, in ms, before one trial call is let through. */
  readonly retryAfterMs: number;
  /** The longest it stays open: each failed trial doubles the wait, up to this. */
  readonly maxRetryAfterMs: number;
}

/** `closed` (serving), `open` (calls fail fast), `half-open` (one trial call in flight). */
/** The states of a {@link CircuitBreaker}. */
export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;
export type CircuitStateName = (typeof CIRCUIT_STATES)[number];

/**
 * A circuit breaker as a pure state machine: closed → open after `failures` consecutive failures
 * → half-open (one trial call) once `retryAfterMs` has passed → closed when the trial succeeds,
 * open again for twice as long (up to `maxRetryAfterMs`) when it fails. Time comes from the
 * injected clock; nothing here sets a timer or knows what it guards. Without settings it never
 * opens, but still counts consecutive failures.
 */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings | undefined;
  readonly #now: () => number;
  #state: CircuitStateName = "closed";
  #consecutiveFailures = 0;
  #opens = 0;
  #retryAt = 0;
  #reason = "";
  #trial = false;

  constructor(settings: CircuitBreakerSettings | undefined, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get state(): CircuitStateName {
    return this.#state;
  }
  get closed(): boolean {
    return this.#state === "closed";
  }
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }
  /** When an open circuit lets its next trial through (ms of the clock); 0 while closed. */
  get retryAt(): number {
    return this.#state === "closed" ? 0 : this.#retryAt;
  }
  /** Why it opened ("" while closed). */
  get reason(): string {
    return this.#reason;
  }

  /**
   * Whether a call may go through now. Past the back-off, the first call is let through as the
   * trial (half-open); a trial that never reports back lets another through after as long again.
   */
  admit(): boolean {
    if (this.#state === "closed") return true;
    const now = this.#now();
    if (now < this.#retryAt) return false;
    this.#state = "half-open";
    this.#trial = true;
    this.#retryAt = now + (this.#settings?.retryAfterMs ?? 0);
    return true;
  }

  /** A call succeeded (or the plugin answered): true when this closed the circuit. */
  succeeded(): boolean {
    this.#consecutiveFailures = 0;
    this.#trial = false;
    if (this.#state === "closed") return false;
    this.#state = "closed";
    this.#opens = 0;
    this.#reason = "";
    return true;
  }

  /**
   * A call failed in a way that counts (`why` says how, for the reason): true when this opened
   * the circuit (the `failures`-th failure in a row, or a failed trial).
   */
  failed(why: string): boolean {
    this.#consecutiveFailures++;
    const settings = this.#settings;
    if (settings === undefined) return false;
    const trial = this.#trial;
    this.#trial = false;
    if (!trial && (this.#state !== "closed" || this.#consecutiveFailures < settings.failures)) return false;
    this.#opens++;
    const wait = Math.min(settings.maxRetryAfterMs, settings.retryAfterMs * 2 ** (this.#opens - 1));
    this.#state = "open";
    this.#retryAt = this.#now() + wait;
    this.#reason = `${trial ? "its trial call failed after " : ""}${this.#consecutiveFailures} consecutive failures${why === "" ? "" : ` (last: ${why.length > 300 ? `${why.slice(0, 300)}...` : why})`}`;
    return true;
  }

  /** True while a trial call (half-open) has not reported back. */
  get trialInFlight(): boolean {
    return this.#trial;
  }
}
