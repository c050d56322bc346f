import type { ExtismHostFunction } from "@threadspace/host";
import { HOST_CALL_FUEL, type FuelMeter } from "./fuel-meter.ts";

const AsyncFunction = (async () => undefined).constructor;

/**
 * The same host functions, each charging {@link HOST_CALL_FUEL} to `meter` before it runs.
 * Async functions stay async (Extism tells them apart by their constructor, to suspend the guest).
 */
export function chargingHostCalls(meter: FuelMeter, functions: Record<string, ExtismHostFunction>): Record<string, ExtismHostFunction> {
  const charged: Record<string, ExtismHostFunction> = {};
  for (const [name, fn] of Object.entries(functions)) {
    charged[name] =
      fn.constructor === AsyncFunction
        ? async (context, handle) => {
            meter.charge(HOST_CALL_FUEL);
            return await fn(context, handle);
          }
        : (context, handle) => {
            meter.charge(HOST_CALL_FUEL);
            return fn(context, handle);
          };
  }
  return charged;
}
