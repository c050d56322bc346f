import type { Plugin, PluginOutput } from "@extism/extism";
import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import type { FuelMeter, MeterReport } from "../fuel/fuel-meter.ts";
import { GuestErrorKind, classifyExtismError, guestError, refusedGrowFailure } from "./extism-errors.ts";
import type { CallOutcome, Instance, InstanceCallOptions } from "./instance.ts";

const PAGE = 65536;

/** What {@link InlineInstance} reads besides the plugin. */
export interface InlineInstanceOptions {
  /** The guest's exported memory, read for {@link InlineInstance.memoryPages}. */
  readonly memory?: WebAssembly.Memory | undefined;
  /** The instance's fuel meter (a metered module), already attached to it. */
  readonly meter?: FuelMeter | undefined;
  /** The guest memory cap in pages, named when a refused `memory.grow` ends in a trap. */
  readonly memoryCap?: number | undefined;
}

/**
 * A plugin instantiated by @extism/extism on the engine's thread (`inline` isolation): the fastest
 * mode, for trusted plugins and for hosts without workers. Unmetered, nothing can stop a call that
 * never returns here; metered, its {@link FuelMeter} stops it at its budget or deadline.
 */
export class InlineInstance implements Instance {
  readonly #name: string;
  readonly #plugin: Plugin;
  readonly #memory: WebAssembly.Memory | undefined;
  readonly #meter: FuelMeter | undefined;
  readonly #memoryCap: number;
  /** The export in flight, for errors (one call at a time). */
  #exportName = "";

  constructor(name: string, plugin: Plugin, options: InlineInstanceOptions = {}) {
    this.#name = name;
    this.#plugin = plugin;
    this.#memory = options.memory;
    this.#meter = options.meter;
    this.#memoryCap = options.memoryCap ?? Infinity;
  }

  get metered(): boolean {
    return this.#meter !== undefined;
  }

  call(exportName: string, input: string | Uint8Array, options?: InstanceCallOptions): Promise<CallOutcome> {
    this.#exportName = exportName;
    this.#meter?.begin({
      fuel: options?.fuel ?? Infinity,
      fuelSource: options?.fuelSource ?? "limits.fuel",
      deadline: options?.deadline ?? Infinity,
      ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      exportName,
    });
    return this.#plugin.call(exportName, input, options?.tx).then(this.#done, this.#failed);
  }

  readonly #done = (output: PluginOutput | null): CallOutcome => {
    const report = this.#meter?.end();
    // Over its budget after the last check (see FuelMeter.end): failed like a stopped call.
    if (report?.stop !== undefined) throw report.stop.error;
    return { output: output === null ? null : output.bytes(), fuelUsed: report?.fuel };
  };

  readonly #failed = (cause: unknown): never => {
    throw this.#typed(cause, this.#meter?.end());
  };

  #typed(cause: unknown, report: MeterReport | undefined): ThreadspaceError {
    // A call the meter stopped fails with the meter's error, whatever the guest's unwinding looked like.
    if (report?.stop !== undefined) return report.stop.error;
    // A host function may stop the call with the engine's own error (a limit): keep it.
    if (isThreadspaceError(cause)) return cause;
    const failure = classifyExtismError(cause);
    const refused = report?.refusedGrow;
    const typed = failure.kind === GuestErrorKind.TRAP && refused !== undefined ? refusedGrowFailure(failure, refused, this.memoryPages ?? 0, this.#memoryCap) : failure;
    return guestError(typed, this.#name, this.#exportName, cause);
  }

  get memoryPages(): number | undefined {
    return this.#memory === undefined ? undefined : this.#memory.buffer.byteLength / PAGE;
  }

  /** An inline instance never stops by itself. */
  onExit(): void {}

  close(): Promise<void> {
    return this.#plugin.close();
  }
}
