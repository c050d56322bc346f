import type { ExtismStyleHostFunction } from "../host-functions/any-name-functions.ts";
import { HOST_CALL_FUEL, type FuelMeter } from "./fuel-meter.ts";

const AsyncFunction = (async () => undefined).constructor;

/** The context Extism passes first. */
type CallContext = Parameters<ExtismStyleHostFunction>[0];

/**
 * The same host functions, each charging {@link HOST_CALL_FUEL} to `meter` before it runs.
 * Async functions stay async (Extism tells them apart by their constructor, to suspend the guest).
 */
export function chargingHostCalls(meter: FuelMeter, functions: Readonly<Record<string, ExtismStyleHostFunction>>): Record<string, ExtismStyleHostFunction> {
  const charged: Record<string, ExtismStyleHostFunction> = {};
  for (const [name, fn] of Object.entries(functions)) {
    // Every argument is passed on: an embedder's function by any name may take more than one handle.
    charged[name] =
      fn.constructor === AsyncFunction
        ? async (context: CallContext, ...args: unknown[]) => {
            meter.charge(HOST_CALL_FUEL);
            return await fn(context, ...args);
          }
        : (context: CallContext, ...args: unknown[]) => {
            meter.charge(HOST_CALL_FUEL);
            return fn(context, ...args);
          };
  }
  return charged;
}
