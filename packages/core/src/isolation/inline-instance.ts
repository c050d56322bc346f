import type { CallVars } from "../replay/call-vars.ts";
import type { Plugin, PluginOutput } from "@extism/extism";
import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { growRefusedError } from "../fuel/meter-errors.ts";
import type { FuelMeter, MeterBudget, MeterReport } from "../fuel/fuel-meter.ts";
import { classifyExtismError, guestError } from "./extism-errors.ts";
import type { CallOptions, CallOutcome, Instance } from "./instance.ts";

const PAGE = 65536;

/**
 * A plugin instantiated by @extism/extism on the engine's thread (`inline` isolation): the fastest
 * mode, and the only one where no worker exists (workerd). A metered module (docs/metering.md)
 * stops itself at its call's fuel budget or deadline through its {@link FuelMeter}; an unmetered
 * one (a precompiled module not metered at build time) cannot be stopped here.
 */
export class InlineInstance implements Instance {
  readonly #name: string;
  readonly #plugin: Plugin;
  readonly #memory: WebAssembly.Memory | undefined;
  readonly #meter: FuelMeter | undefined;
  readonly #memoryCap: number | undefined;
  /** The kernel memory guard (limits/host-memory.ts), told when each call starts (with the replay's vars); `close` runs after the plugin closes (the engine's WASI). */
  readonly #guard: { beginCall(vars?: CallVars): void; close?(): void } | undefined;
  readonly #budget: { -readonly [K in keyof MeterBudget]-?: MeterBudget[K] } = { fuel: Infinity, deadline: Infinity, exportName: undefined, fuelSource: undefined, timeoutMs: undefined };
  /** The export in flight, for errors (one call at a time). */
  #exportName = "";

  /**
   * `memory`: the guest's exported memory, read for {@link memoryPages}; `meter`: the instance's
   * fuel meter, for a metered module; `memoryCap`: the cap written into the module, in pages (for messages).
   */
  constructor(name: string, plugin: Plugin, memory: WebAssembly.Memory | undefined, meter?: FuelMeter, memoryCap?: number, guard?: { beginCall(vars?: CallVars): void; close?(): void }) {
    this.#name = name;
    this.#plugin = plugin;
    this.#memory = memory;
    this.#meter = meter;
    this.#memoryCap = memoryCap;
    this.#guard = guard;
  }

  call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome> {
    return this.#start(exportName, input, options).then(this.#done, this.#failed);
  }

  callThen<T>(exportName: string, input: string | Uint8Array, options: CallOptions | undefined, onOutcome: (outcome: CallOutcome) => T, onError: (cause: unknown) => T): Promise<T> {
    // One call at a time: the continuation lives in fields, and the reactions are allocated once.
    this.#onOutcome = onOutcome;
    this.#onError = onError;
    return this.#start(exportName, input, options).then(this.#doneThen, this.#failedThen) as Promise<T>;
  }

  #onOutcome: (outcome: CallOutcome) => unknown = (outcome) => outcome;
  #onError: (cause: unknown) => unknown = (cause) => {
    throw cause;
  };

  readonly #doneThen = (output: PluginOutput | null): unknown => {
    let outcome: CallOutcome;
    try {
      outcome = this.#done(output);
    } catch (error) {
      return this.#onError(error);
    }
    return this.#onOutcome(outcome);
  };

  readonly #failedThen = (cause: unknown): unknown => {
    try {
      return this.#failed(cause);
    } catch (error) {
      return this.#onError(error);
    }
  };

  #start(exportName: string, input: string | Uint8Array, options: CallOptions | undefined): Promise<PluginOutput | null> {
    this.#exportName = exportName;
    if (this.#meter !== undefined) {
      // One budget object per instance, refilled per call (calls are one at a time): no allocation on the call path.
      const budget = this.#budget;
      budget.fuel = options?.fuel ?? Infinity;
      budget.deadline = options?.deadline ?? (options?.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs);
      budget.exportName = exportName;
      budget.fuelSource = options?.fuelSource;
      budget.timeoutMs = options?.timeoutMs;
      this.#meter.begin(budget);
    }
    this.#guard?.beginCall(options?.vars);
    return this.#plugin.call(exportName, input, options?.tx);
  }

  readonly #done = (output: PluginOutput | null): CallOutcome => {
    const report = this.#meter?.end();
    // Over its budget after its last check (see FuelMeter.end): failed like a stopped call.
    if (report?.stop !== undefined) throw report.stop.error;
    // The block's own buffer, as `output.bytes()` gives it, without its per-call WeakMap bookkeeping (rc13 PluginOutput).
    return { output: output === null ? null : new Uint8Array(output.arrayBuffer()), fuelUsed: report?.fuel };
  };

  readonly #failed = (cause: unknown): never => {
    const report = this.#meter?.end();
    // A call the meter stopped fails with the meter's error, whatever the guest's unwinding looked like.
    if (report?.stop !== undefined) throw report.stop.error;
    throw this.#typed(cause, report);
  };

  #typed(cause: unknown, report: MeterReport | undefined): ThreadspaceError {
    // A host function may stop the call with the engine's own error (a limit, a deadline): keep it.
    if (isThreadspaceError(cause)) return cause;
    const error = guestError(classifyExtismError(cause), this.#name, this.#exportName, cause);
    const refused = report?.refusedGrow;
    if (error.code !== "plugin_trap" || refused === undefined) return error;
    return growRefusedError(this.#name, this.#exportName, { pages: refused.pages, at: this.memoryPages, cap: this.#memoryCap }, error.message, cause);
  }

  get memoryPages(): number | undefined {
    return this.#memory === undefined ? undefined : this.#memory.buffer.byteLength / PAGE;
  }

  /** An inline instance never stops by itself. */
  onExit(): void {}

  async close(): Promise<void> {
    try {
      await this.#plugin.close();
    } finally {
      this.#guard?.close?.();
    }
  }
}
