import { FuelMeter, type MeterReport } from "../../fuel/fuel-meter.ts";

/** A metered module instantiated with the host side of docs/metering.md (tests only). */
export interface MeteredInstance {
  readonly instance: WebAssembly.Instance;
  readonly meter: FuelMeter;
  /** Runs `fn` as one metered call under `fuel` (default: unlimited); returns its value or error and the meter's report. */
  run<T>(fn: (exports: WebAssembly.Exports) => T, fuel?: number): { value?: T; error?: unknown; report: MeterReport };
}

/** Instantiates metered bytes with the real FuelMeter serving `threadspace:meter`; the start function runs under `startFuel`. */
export async function instantiateMetered(bytes: Uint8Array, imports: WebAssembly.Imports = {}, options: { slice?: number; startFuel?: number } = {}): Promise<MeteredInstance> {
  const meter = new FuelMeter("test", options.slice === undefined ? {} : { slice: options.slice });
  meter.begin({ fuel: options.startFuel ?? Infinity, deadline: Infinity });
  let instance: WebAssembly.Instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, { ...imports, ...meter.imports() }));
  } finally {
    meter.end();
  }
  meter.attach(instance);
  return {
    instance,
    meter,
    run(fn, fuel = Infinity) {
      meter.begin({ fuel, deadline: Infinity });
      try {
        const value = fn(instance.exports);
        return { value, report: meter.end() };
      } catch (error) {
        return { error, report: meter.end() };
      }
    },
  };
}

/** Instantiates plain (unmetered) bytes. */
export async function instantiatePlain(bytes: Uint8Array, imports: WebAssembly.Imports = {}): Promise<WebAssembly.Instance> {
  return (await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, imports)).instance;
}

/** Calls `fn`, returning its value or a description of what it threw (to compare two runs). */
export function outcome<T>(fn: () => T): { value: T } | { threw: string } {
  try {
    return { value: fn() };
  } catch (error) {
    return { threw: error instanceof WebAssembly.RuntimeError ? `RuntimeError: ${error.message}` : String(error) };
  }
}
