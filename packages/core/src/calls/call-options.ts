import { ThreadspaceError } from "@threadspace/errors";
import type { CallBudget } from "./plugin-runner.ts";

/** Options of one `engine.call`. */
export interface CallOptions {
  /**
   * This call's fuel budget (instructions, docs/metering.md), in place of the plugin's
   * `limits.fuel`; capped by the host's policy (`createEngine({ limits: { fuel } })`). Spent,
   * the call fails with `fuel_exhausted` and its writes are discarded.
   */
  readonly fuel?: number;
  /**
   * Record the call (docs/replay.md): the result's `trace` holds its host calls and replies,
   * config, logs, events, output and fuel, replayable with `engine.replay`. A failed recorded
   * call keeps its trace in `engine.traces(name)` (and `traceOf(error)`).
   */
  readonly record?: boolean;
}

/**
 * The budget a call's `{ fuel }` asks for, capped by the host's fuel ceiling; undefined when
 * the call sets none (the plugin's `limits.fuel` applies). Throws `bad_input` for a budget that
 * is not a whole number of at least 1.
 */
export function callBudget(options: CallOptions | undefined, ceiling: number | undefined, plugin: string): CallBudget | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new ThreadspaceError("bad_input", `engine.call's options must be an object like { fuel: 1000000 }; got ${options === null ? "null" : typeof options}.`, { plugin });
  }
  const fuel: unknown = options.fuel;
  if (fuel === undefined) return undefined;
  if (typeof fuel !== "number" || !Number.isSafeInteger(fuel) || fuel < 1) {
    throw new ThreadspaceError("bad_input", `engine.call's { fuel } must be a whole number of at least 1 (instructions); got ${typeof fuel === "number" ? fuel : typeof fuel}.`, { plugin });
  }
  if (ceiling !== undefined && fuel > ceiling) return { fuel: ceiling, source: `engine.call's { fuel: ${fuel} }, capped by the host's limits.fuel` };
  return { fuel, source: "engine.call's { fuel }" };
}
