import { ThreadspaceError } from "@threadspace/errors";

/** `fuel_exhausted`: the call used up its budget (`source` says where the budget came from). */
export function fuelExhaustedError(plugin: string, exportName: string, fuel: number, source = "its fuel budget"): ThreadspaceError {
  return new ThreadspaceError(
    "fuel_exhausted",
    `${exportName} used up its fuel budget of ${fuel} (${source}) and was stopped. Its effects are discarded; the plugin keeps serving. Raise the budget (limits.fuel in plugin.json, capped by the host's policy, or engine.call(..., { fuel })) if the work is expected.`,
    { plugin },
  );
}

/** `timeout`: the call ran past its deadline (`timeoutMs` when it came from limits.timeoutMs). */
export function deadlineError(plugin: string, exportName: string, timeoutMs: number | undefined): ThreadspaceError {
  const limit = timeoutMs === undefined ? "its deadline" : `its timeout of ${timeoutMs} ms (limits.timeoutMs)`;
  return new ThreadspaceError("timeout", `${exportName} ran past ${limit} and was stopped. Its effects are discarded; the plugin keeps serving. Raise limits.timeoutMs in plugin.json if it needs longer (the host's policy caps it).`, { plugin });
}

/** `memory_limit`: the guest trapped after its memory cap refused a `memory.grow` (docs/metering.md `grow_refused`). */
export function growRefusedError(plugin: string, exportName: string, refused: { readonly pages: number; readonly at: number | undefined; readonly cap: number | undefined }, trap: string, cause?: unknown): ThreadspaceError {
  const at = refused.at === undefined ? "" : ` at ${refused.at} pages`;
  const cap = refused.cap === undefined ? "its memory cap" : `its cap of ${refused.cap} pages (${(refused.cap * 65536) / 1048576} MiB)`;
  return new ThreadspaceError(
    "memory_limit",
    `${exportName} ran out of memory: it asked for ${refused.pages} more page${refused.pages === 1 ? "" : "s"}${at}, which would pass ${cap} (limits.memoryPages), was refused, and then it trapped (${trap}). Raise limits.memoryPages in plugin.json if it needs more; the host's policy caps it.`,
    { plugin, ...(cause === undefined ? {} : { cause }) },
  );
}
