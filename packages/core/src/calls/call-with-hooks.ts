import { ThreadspaceError } from "@threadspace/errors";
import type { Hooks } from "../hooks.ts";
import { CallResult } from "./call-result.ts";
import type { CallBudget, PluginRunner } from "./plugin-runner.ts";
import type { CallTap } from "../replay/call-tap.ts";

/**
 * A call with the embedder's hooks around it: `call:before` (throwing there refuses the call),
 * then `call:after` with the output or `call:error` with the error, both with the duration.
 * Only taken when some call hook is registered (the plain path adds no work).
 */
export async function callWithHooks(hooks: Hooks, plugin: string, runner: PluginRunner, exportName: string, input: string | Uint8Array, budget?: CallBudget, tap?: CallTap): Promise<CallResult> {
  const event = { plugin, export: exportName, input };
  const started = performance.now();
  try {
    await hooks.run("call:before", event);
    const output = await runner.call(exportName, input, (output, fuel) => new CallResult(output, plugin, fuel), budget, undefined, tap);
    await hooks.run("call:after", { ...event, output, durationMs: performance.now() - started });
    return output;
  } catch (cause) {
    const error = cause instanceof ThreadspaceError ? cause : new ThreadspaceError("plugin_error", String(cause), { plugin, cause });
    await hooks.run("call:error", { ...event, error, durationMs: performance.now() - started });
    throw error;
  }
}
