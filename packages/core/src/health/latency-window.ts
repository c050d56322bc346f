import { grownRing } from "./ring-growth.ts";

/** Percentiles of the timed calls in a {@link LatencyWindow}, in ms (null before the first). */
export interface LatencyPercentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** Timed calls the percentiles are taken over. */
  readonly samples: number;
}

/**
 * The last `size` call durations and outcomes, in fixed-size ring buffers (memory stays fixed).
 * Calls are timed one in a few: a duration of NaN marks an untimed call, which still counts for
 * the error rate.
 */
export class LatencyWindow {
  // Grown as calls come (ring-growth.ts), up to `capacity`.
  #ms = new Float64Array(0);
  #failed = new Uint8Array(0);
  readonly #capacity: number;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  add(ms: number, failed: boolean): void {
    if (this.#capacity === 0) return;
    if (this.#next === this.#ms.length) {
      this.#ms = grownRing(this.#ms, this.#capacity, (n) => new Float64Array(n));
      this.#failed = grownRing(this.#failed, this.#capacity, (n) => new Uint8Array(n));
    }
    this.#ms[this.#next] = ms;
    this.#failed[this.#next] = failed ? 1 : 0;
    if (++this.#next === this.#capacity) this.#next = 0;
    if (this.#size < this.#capacity) this.#size++;
  }

  /** Percentiles of the timed calls in the window, rounded to µs. */
  percentiles(): LatencyPercentiles {
    const sorted = this.#ms
      .slice(0, this.#size)
      .filter((ms) => !Number.isNaN(ms))
      .sort();
    const n = sorted.length;
    if (n === 0) return { p50: null, p95: null, p99: null, samples: 0 };
    const at = (q: number): number => Math.round((sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0) * 1000) / 1000;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), samples: n };
  }

  /** Share of failed calls in the window, 0-1. */
  errorRate(): number {
    if (this.#size === 0) return 0;
    let failed = 0;
    for (let i = 0; i < this.#size; i++) failed += this.#failed[i] ?? 0;
    return failed / this.#size;
  }

  /** Calls in the window. */
  get size(): number {
    return this.#size;
  }
}
