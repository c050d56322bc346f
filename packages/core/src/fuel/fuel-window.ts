import { grownRing } from "../health/ring-growth.ts";

/** Calls the fuel percentiles are taken over. */
export const FUEL_WINDOW = 256;

/** Fuel per call over the last {@link FUEL_WINDOW} metered calls (null before the first). */
export interface FuelSummary {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  /** Calls the figures are taken over (at most {@link FUEL_WINDOW}). */
  readonly samples: number;
  /** Fuel used by every metered call since the instance started. */
  readonly total: number;
}

/** A ring of the fuel the last {@link FUEL_WINDOW} calls used; percentiles are computed when read. */
export class FuelWindow {
  // Grown as calls come (ring-growth.ts), up to FUEL_WINDOW.
  #ring = new Float64Array(0);
  #count = 0;
  #total = 0;

  /** Records one call's fuel. */
  record(fuel: number): void {
    if (this.#count === this.#ring.length && this.#count < FUEL_WINDOW) this.#ring = grownRing(this.#ring, FUEL_WINDOW, (n) => new Float64Array(n));
    this.#ring[this.#count % FUEL_WINDOW] = fuel;
    this.#count++;
    this.#total += fuel;
  }

  /** p50, p95 and max of the window (nearest rank), and the total since the start. */
  summary(): FuelSummary {
    const samples = Math.min(this.#count, FUEL_WINDOW);
    if (samples === 0) return { p50: null, p95: null, max: null, samples: 0, total: 0 };
    const sorted = this.#ring.slice(0, samples).sort();
    const rank = (p: number) => sorted[Math.min(samples - 1, Math.ceil(p * samples) - 1)] ?? null;
    return { p50: rank(0.5), p95: rank(0.95), max: sorted[samples - 1] ?? null, samples, total: this.#total };
  }
}
