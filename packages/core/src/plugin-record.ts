import type { PluginRunner } from "./calls/plugin-runner.ts";
import type { PreparedBundle } from "./install/prepare-bundle.ts";

/** What the engine keeps for an installed plugin: its checked bundle and, while loaded, its runner. */
export interface PluginRecord extends PreparedBundle {
  readonly installedAt: number;
  runner: PluginRunner | undefined;
}

/** The record of a prepared bundle installed now (one object literal, so every record has the same shape). */
export function pluginRecord(prepared: PreparedBundle, runner: PluginRunner | undefined): PluginRecord {
  const { manifest, module, shape, sha256, origin, limits, memory, sourceNotes, signature, metered, linked } = prepared;
  return { manifest, module, shape, sha256, origin, limits, memory, sourceNotes, signature, metered, linked, installedAt: Date.now(), runner };
}
