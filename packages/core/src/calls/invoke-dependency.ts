import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { HostFailure } from "@threadspace/host";
import { parseDependency, type PluginManifest } from "@threadspace/manifest";
import type { CallChains } from "./call-chains.ts";
import type { PluginRunner } from "./plugin-runner.ts";

const decoder = new TextDecoder();

/**
 * Serves `ts_plugin_call`: runs an export of one of the caller's dependencies through the
 * callee's call queue and resolves with its output text. Anything else is a `HostFailure`
 * (replied to the caller as `{"error": ...}`): not a dependency, not loaded, its circuit
 * breaker is open (`admit` returns the engine's error, as for the embedder's calls), the callee
 * already waits for the caller through a chain of calls (`chains`: `[busy]`, at once), or the
 * callee failed.
 */
export async function invokeDependency(
  caller: PluginManifest | undefined,
  callee: PluginRunner | undefined,
  calleeName: string,
  exportName: string,
  input: string,
  admit: (runner: PluginRunner) => ThreadspaceError | undefined = () => undefined,
  chains?: CallChains,
): Promise<string> {
  if (caller === undefined) throw new HostFailure("internal", "the calling plugin is no longer installed");
  if (!caller.dependencies.some((spec) => parseDependency(spec).name === calleeName)) {
    throw new HostFailure("permission_denied", `${caller.name} may call only plugins in its "dependencies", and ${calleeName} is not one of them`);
  }
  if (callee === undefined) throw new HostFailure("not_found", `${calleeName} is not loaded`);
  const refused = admit(callee);
  if (refused !== undefined) throw new HostFailure("call_failed", `[${refused.code}] ${refused.message}`);
  let waited: (() => void) | undefined;
  try {
    waited = chains?.calling(caller.name, calleeName);
    return await callee.call(exportName, input, (output) => (output === null ? "" : decoder.decode(output)), undefined, caller.name);
  } catch (error) {
    const code = isThreadspaceError(error) ? error.code : "plugin_trap";
    throw new HostFailure(code === "export_missing" ? "not_found" : code === "permission_denied" ? "permission_denied" : "call_failed", `[${code}] ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    waited?.();
  }
}
