import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import type { PluginRunner } from "../calls/plugin-runner.ts";

const decoder = new TextDecoder();
/** Outputs of `init_plugin` that mean "I failed" (the guide's `return False`). */
const FALSE_OUTPUTS = new Set(["false", "0"]);

/** The lifecycle exports every `"interface": "threadspace"` plugin must have. */
export const REQUIRED_EXPORTS = ["init_plugin", "get_metadata"] as const;

/** Throws `export_missing` naming every required lifecycle export the module lacks. */
export function checkRequiredExports(manifest: PluginManifest, exports: readonly string[]): void {
  if (manifest.interface !== "threadspace") return;
  const missing = REQUIRED_EXPORTS.filter((name) => !exports.includes(name));
  if (missing.length === 0) return;
  throw new ThreadspaceError(
    "export_missing",
    `lacks the required export${missing.length > 1 ? "s" : ""} ${missing.join(" and ")}. Every Threadspace plugin exports init_plugin and get_metadata; for a plain Extism plugin set "interface": "extism" in plugin.json.`,
    { plugin: manifest.name },
  );
}

/**
 * Runs `init_plugin`. It fails when it traps, reports an error (Extism `error_set`) or outputs
 * `false`/`0`. (@extism/extism discards export return codes, so a bare non-zero return is not seen.)
 */
export async function runInit(runner: PluginRunner): Promise<void> {
  let output: Uint8Array;
  try {
    output = await runner.callBytes("init_plugin");
  } catch (cause) {
    throw new ThreadspaceError("init_failed", `init_plugin failed: ${messageOf(cause).replace(/^\[threadspace\] \[plugin [^\]]+\] /, "")}`, { plugin: runner.name, cause });
  }
  const text = decoder.decode(output).trim().toLowerCase();
  if (FALSE_OUTPUTS.has(text)) {
    throw new ThreadspaceError("init_failed", `init_plugin returned ${text}: the plugin says it could not start. Check its logs and config.`, { plugin: runner.name });
  }
}

/** Calls `get_metadata` and checks that its name and version match plugin.json. Returns the metadata. */
export async function checkMetadata(runner: PluginRunner, manifest: PluginManifest): Promise<Record<string, unknown>> {
  const text = decoder.decode(await runner.callBytes("get_metadata"));
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch {
    throw new ThreadspaceError("metadata_mismatch", `get_metadata must output a JSON object with "name" and "version"; it output ${JSON.stringify(text.slice(0, 80))}.`, { plugin: manifest.name });
  }
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ThreadspaceError("metadata_mismatch", `get_metadata must output a JSON object with "name" and "version"; it output ${JSON.stringify(text.slice(0, 80))}.`, { plugin: manifest.name });
  }
  const { name, version } = metadata as { name?: unknown; version?: unknown };
  if (name !== manifest.name || version !== manifest.version) {
    throw new ThreadspaceError(
      "metadata_mismatch",
      `get_metadata says ${JSON.stringify(name)}@${JSON.stringify(version)} but plugin.json says "${manifest.name}"@"${manifest.version}". The wasm was built from another plugin or version: rebuild it, or fix plugin.json.`,
      { plugin: manifest.name },
    );
  }
  return metadata as Record<string, unknown>;
}

/** Runs `cleanup` when the plugin has it. Returns the failure instead of throwing: unloading goes on. */
export async function runCleanup(runner: PluginRunner): Promise<ThreadspaceError | undefined> {
  if (!runner.exports.has("cleanup")) return undefined;
  try {
    await runner.callBytes("cleanup");
    return undefined;
  } catch (cause) {
    return new ThreadspaceError("plugin_error", `cleanup failed: ${messageOf(cause)}`, { plugin: runner.name, cause });
  }
}
