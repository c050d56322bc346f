import { ThreadspaceError } from "@threadspace/errors";
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
