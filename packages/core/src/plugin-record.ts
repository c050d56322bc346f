import type { PluginRunner } from "./calls/plugin-runner.ts";
import type { PreparedBundle } from "./install/prepare-bundle.ts";

/** What the engine keeps for an installed plugin: its checked bundle and, while loaded, its runner. */
export interface PluginRecord extends PreparedBundle {
  readonly installedAt: number;
  runner: PluginRunner | undefined;
}
