import type { ExtismHostFunction } from "@threadspace/host";
import { HOST_CALL_FUEL, type FuelMeter } from "./fuel-meter.ts";

const AsyncFunction = (async () => undefined).constructor;
/** Every argument is passed on: an embedder's function by any name may take more than one handle. */
type AnyArity = (context: Parameters<ExtismHostFunction>[0], ...args: unknown[]) => ReturnType<ExtismHostFunction>;

/**
 * The same host functions, each charging {@link HOST_CALL_FUEL} to `meter` before it runs.
 * Async functions stay async (Extism tells them apart by their constructor, to suspend the guest).
 */
export function chargingHostCalls(meter: FuelMeter, functions: Record<string, ExtismHostFunction>): Record<string, ExtismHostFunction> {
  const charged: Record<string, ExtismHostFunction> = {};
  for (const [name, fn] of Object.entries(functions)) {
    charged[name] =
      fn.constructor === AsyncFunction
        ? async (context, handle, ...rest: unknown[]) => {
            meter.charge(HOST_CALL_FUEL);
            return await (fn as AnyArity)(context, handle, ...rest);
          }
        : (context, handle, ...rest: unknown[]) => {
            meter.charge(HOST_CALL_FUEL);
            return (fn as AnyArity)(context, handle, ...rest);
          };
  }
  return charged;
}
