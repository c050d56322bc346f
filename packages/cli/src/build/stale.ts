import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PluginManifest } from "@threadspace/manifest";
import { buildInputs, isUpToDate, languageOf, pdkOf } from "./plugin-build.js";

/**
 * True when a plugin folder has sources (src/) and its wasm (plugin.json's `main`) is missing
 * or older than any of them (sources, plugin.json, asconfig.json, the PDK it uses, the build code).
 */
export function isStale(dir: string, manifest: Pick<PluginManifest, "main">): boolean {
  if (!existsSync(join(dir, "src"))) return false;
  return !isUpToDate(resolve(dir, manifest.main), buildInputs(dir, pdkOf(dir, languageOf(dir))));
}
