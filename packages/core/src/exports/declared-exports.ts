import { ThreadspaceError } from "@threadspace/errors";
import { compileConfigSchema } from "@threadspace/host";
import type { PluginManifest } from "@threadspace/manifest";

/**
 * Throws `export_missing` when plugin.json's `exports` names a function the wasm does not export
 * (checked at install, once the module's exports are known), with one issue per missing name.
 */
export function checkDeclaredExports(manifest: PluginManifest, wasmExports: readonly string[]): void {
  const declared = manifest.exports === undefined ? [] : Object.keys(manifest.exports);
  const missing = declared.filter((name) => !wasmExports.includes(name));
  if (missing.length === 0) return;
  const callable = wasmExports.filter((name) => !name.startsWith("_")).sort().join(", ") || "none";
  throw new ThreadspaceError(
    "export_missing",
    `plugin.json's "exports" describes ${missing.map((name) => `"${name}"`).join(", ")}, which the wasm does not export (it exports: ${callable}). Export ${missing.length > 1 ? "these functions" : "the function"} from the plugin, or fix the name in plugin.json.`,
    { plugin: manifest.name, issues: missing.map((name) => ({ path: `$.exports.${name}`, message: `the wasm has no export "${name}".` })) },
  );
}

/**
 * Throws `manifest_invalid` when an export schema cannot be compiled (@cfworker/json-schema refuses
 * it), so a plugin whose schemas the engine could not apply never installs.
 */
export function checkExportSchemasCompile(manifest: PluginManifest): void {
  for (const [name, entry] of Object.entries(manifest.exports ?? {})) {
    for (const side of ["input", "output"] as const) {
      const schema = entry[side];
      if (schema === undefined) continue;
      try {
        compileConfigSchema(schema);
      } catch (cause) {
        const message = `cannot be compiled as a JSON Schema (${cause instanceof Error ? cause.message : String(cause)}).`;
        throw new ThreadspaceError("manifest_invalid", `plugin.json exports.${name}.${side} ${message} Fix the schema.`, { plugin: manifest.name, cause, issues: [{ path: `$.exports.${name}.${side}`, message }] });
      }
    }
  }
}
