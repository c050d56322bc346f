import { ThreadspaceError } from "@threadspace/errors";
import { deadlineError, fuelExhaustedError } from "./meter-errors.ts";
import { FUEL_EXPORT, METER_IMPORT_MODULE } from "../metering/meter-section.ts";

/** The import module the metering rewrite adds (docs/metering.md): the rewrite's own name for it. */
export const METER_MODULE = METER_IMPORT_MODULE;
/** The exported i32 global a metered module counts its fuel down in. */
export const FUEL_GLOBAL = FUEL_EXPORT;
/**
 * Fuel handed out at a time: at the end of each slice the guest calls `refuel` and the meter
 * checks the call's deadline and budget. About a millisecond of guest code on this machine, so
 * a deadline is noticed within a few ms while the refuel calls cost nothing measurable.
 */
export const DEFAULT_FUEL_SLICE = 1_000_000;
/**
 * Fuel one host-function call costs (docs/metering.md): a host call does far more work than a guest
 * instruction, and charging it lets the meter check the deadline of a loop that does little but
 * call the host.
 */
export const HOST_CALL_FUEL = 1000;
/** The most one refuel may hand out: the counter is an i32 and must not overflow. */
const MAX_SLICE = 0x3fff_ffff;

/** What one call (or one instantiation) may spend. */
export interface MeterBudget {
  /** Most fuel the call may use; `Infinity`: no fuel limit (the deadline still holds). */
  readonly fuel: number;
  /** Where the budget came from, named in `fuel_exhausted` (e.g. `limits.fuel in plugin.json`). */
  readonly fuelSource?: string | undefined;
  /** The call's deadline on the meter's clock (ms); `Infinity`: none. */
  readonly deadline: number;
  /** The timeout the deadline came from, named in `timeout` errors. */
  readonly timeoutMs?: number | undefined;
  /** The export being called, named in errors. */
  readonly exportName?: string | undefined;
}

/** Why a metered call was stopped by its meter. */
export type MeterStop = { readonly kind: "fuel"; readonly error: ThreadspaceError } | { readonly kind: "timeout"; readonly error: ThreadspaceError };

/** A memory.grow the guest asked for and was refused (docs/metering.md `grow_refused`). */
export interface RefusedGrow {
  readonly memory: number;
  readonly pages: number;
}

/** What a metered call used, read by {@link FuelMeter.end}. */
export interface MeterReport {
  /** Fuel the guest used (instructions, docs/metering.md). */
  readonly fuel: number;
  /** Set when the meter stopped the call (its error is what the guest's trap propagated). */
  readonly stop: MeterStop | undefined;
  /** The last memory.grow refused during the call, if any. */
  readonly refusedGrow: RefusedGrow | undefined;
}

/** Options of {@link FuelMeter}. */
export interface FuelMeterOptions {
  /** Fuel per slice (default {@link DEFAULT_FUEL_SLICE}). */
  readonly slice?: number;
  /** The clock deadlines are read on, in ms (default `performance.now`). */
  readonly clock?: () => number;
}

type GlobalLike = { value: number };
const OPEN: MeterBudget = { fuel: Infinity, deadline: Infinity };

/**
 * The host side of one metered instance: serves the `threadspace:meter` imports the metering
 * rewrite adds, hands fuel out in slices, and at the end of each slice checks the current call's
 * deadline and budget, stopping the guest (by throwing through it) with `timeout` or
 * `fuel_exhausted`. Works the same inline and inside a worker; it never needs the instance to
 * refuel, so a `start` function or WASI `_initialize` is metered too (begin a budget before
 * instantiating). Fuel used is exact and depends only on what the guest ran.
 *
 * @example
 * const meter = new FuelMeter("hello");
 * const plugin = await createPlugin(module, { functions: { ...meter.extismFunctions() } });
 * meter.attach(await plugin.getInstance());
 * meter.begin({ fuel: 10_000_000, deadline: performance.now() + 300 });
 * try { await plugin.call("run", input) } finally { const { fuel } = meter.end() }
 */
export class FuelMeter {
  readonly #plugin: string;
  readonly #slice: number;
  readonly #clock: () => number;
  #global: GlobalLike | undefined;
  #budget: MeterBudget = OPEN;
  /** Fuel handed out since {@link begin}. */
  #given = 0;
  #stop: MeterStop | undefined;
  #refusedGrow: RefusedGrow | undefined;

  constructor(plugin: string, options: FuelMeterOptions = {}) {
    this.#plugin = plugin;
    this.#slice = Math.max(1, Math.min(MAX_SLICE, Math.floor(options.slice ?? DEFAULT_FUEL_SLICE)));
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** The imports for `WebAssembly.instantiate` (`{ "threadspace:meter": { refuel, grow_refused } }`). */
  imports(): Record<typeof METER_MODULE, { refuel: () => number; grow_refused: (memory: number, pages: bigint) => void }> {
    return { [METER_MODULE]: { refuel: this.#refuel, grow_refused: this.#growRefused } };
  }

  /** The same imports as Extism host functions (Extism passes its call context first). */
  extismFunctions(): Record<typeof METER_MODULE, { refuel: (context: unknown) => number; grow_refused: (context: unknown, memory: number, pages: bigint) => void }> {
    return {
      [METER_MODULE]: {
        refuel: () => this.#refuel(),
        grow_refused: (_context: unknown, memory: number, pages: bigint) => this.#growRefused(memory, pages),
      },
    };
  }

  /** Binds the instance's fuel counter (its export `__threadspace_fuel`); throws `wasm_invalid` without one. */
  attach(instance: WebAssembly.Instance): void {
    const counter = instance.exports[FUEL_GLOBAL];
    if (!(counter instanceof WebAssembly.Global)) {
      throw new ThreadspaceError("wasm_invalid", `the module imports "${METER_MODULE}" but exports no fuel counter "${FUEL_GLOBAL}": it was not metered by Threadspace. Install the plain build; the engine meters it itself.`, { plugin: this.#plugin });
    }
    this.#global = counter as GlobalLike;
  }

  /** The current call's deadline (ms, the meter's clock; `Infinity`: none): host functions that wait (HTTP) count against it. */
  get deadline(): number {
    return this.#budget.deadline;
  }

  /** Starts metering a call (or an instantiation) under `budget`. */
  begin(budget: MeterBudget): void {
    this.#budget = budget;
    this.#given = 0;
    this.#stop = undefined;
    this.#refusedGrow = undefined;
    // A call starts with its first slice already in the counter (or what is left of its budget,
    // if less): a short call then never calls out to `refuel`, which would cost it a trip from
    // the guest to JavaScript and a clock read. Its deadline is checked at the end of that slice,
    // as at the end of every slice. (Instantiating, before `attach`, starts from nothing.)
    if (this.#global !== undefined) {
      const first = Math.max(0, Math.min(this.#slice, budget.fuel));
      this.#global.value = first;
      this.#given = first;
    }
  }

  /**
   * Charges `units` of fuel for work done outside the guest (a host-function call: see
   * {@link HOST_CALL_FUEL}), so that a loop of host calls reaches the guest's next check, and
   * with it the deadline and the budget, as soon as plain guest code would.
   */
  charge(units: number): void {
    if (this.#global !== undefined) this.#global.value -= units;
    else this.#given -= units; // instantiating: no counter yet, so count it as fuel not handed out
  }

  /** Ends the current call: what it used, and why it was stopped if it was. Leaves the counter at 0. */
  end(): MeterReport {
    const left = this.#global === undefined ? 0 : this.#global.value;
    if (this.#global !== undefined) this.#global.value = 0;
    const fuel = this.#given - left;
    // Checks run at function entries and loop headers, so the last stretch of a call is charged
    // after its last check: a call that ends over its budget fails all the same, so the budget
    // is exact whatever the shape of the code.
    const stop = this.#stop ?? (fuel > this.#budget.fuel ? { kind: "fuel" as const, error: this.#fuelError(this.#budget) } : undefined);
    const report: MeterReport = { fuel, stop, refusedGrow: this.#refusedGrow };
    this.#budget = OPEN;
    this.#given = 0;
    this.#stop = undefined;
    this.#refusedGrow = undefined;
    return report;
  }

  readonly #refuel = (): number => {
    const budget = this.#budget;
    if (this.#clock() > budget.deadline) throw this.#halt("timeout", this.#timeoutError(budget));
    const grant = Math.min(this.#slice, budget.fuel - this.#given);
    if (grant <= 0) throw this.#halt("fuel", this.#fuelError(budget));
    this.#given += grant;
    return grant;
  };

  readonly #growRefused = (memory: number, pages: bigint | number): void => {
    this.#refusedGrow = { memory, pages: Number(pages) };
  };

  #halt(kind: MeterStop["kind"], error: ThreadspaceError): ThreadspaceError {
    this.#stop = { kind, error };
    return error;
  }

  #timeoutError(budget: MeterBudget): ThreadspaceError {
    return deadlineError(this.#plugin, budget.exportName ?? "the call", budget.timeoutMs);
  }

  #fuelError(budget: MeterBudget): ThreadspaceError {
    return fuelExhaustedError(this.#plugin, budget.exportName ?? "the call", budget.fuel, budget.fuelSource);
  }
}
