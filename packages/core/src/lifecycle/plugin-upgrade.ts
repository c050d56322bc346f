import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { KeptLog, LogThreshold } from "@threadspace/host";
import type { PermissionName, PluginManifest } from "@threadspace/manifest";
import type { PluginConfig } from "../config/config-runtime.ts";
import type { PluginInfo } from "../plugin-info.ts";
import type { PluginRecord } from "../plugin-record.ts";

/**
 * An installed build taken off the registry for an upgrade, with what puts it back as it was:
 * the record (module, limits, `installedAt`), the grants and config it had, its log level and
 * whether it was running. Its data and stored records are never touched by retiring it.
 */
export interface RetiredBuild {
  /** Its record, with no runner. */
  readonly record: PluginRecord;
  /** True when it was running (it is started again if the upgrade is refused). */
  readonly loaded: boolean;
  readonly grants: readonly PermissionName[];
  /** Whether the embedder granted them itself (see `PermissionTable.explicit`). */
  readonly explicitGrants: boolean;
  readonly overrides: PluginConfig;
  readonly logLevel: LogThreshold;
  /** Its log, which goes on receiving the new build's entries and is put back if the upgrade is refused. */
  readonly log: KeptLog | undefined;
}

/** The engine's steps of one upgrade, each through its one install, stop and load paths. */
export interface UpgradeSteps {
  /**
   * Stops the installed build (its queued calls run first, then `cleanup`) and takes it off the
   * registry in memory; storage and data stay. Throws (nothing stopped) when it cannot go, e.g.
   * `dependency_in_use`.
   */
  retire(): Promise<RetiredBuild>;
  /** Installs and starts the new build (checked, granted, configured, started, stored). */
  install(): Promise<PluginInfo>;
  /** True when a build is registered under the name (the new one got in: a later failure is not its start's). */
  registered(): boolean;
  /** Puts the retired build back in the registry as it was, notes `why` in its log, and starts it when it was running. */
  reinstate(retired: RetiredBuild, why: string): Promise<void>;
}

/** "version 1.2.0", or "the new build of 1.2.0" when an upgrade keeps the version and changes the wasm. */
const describeTarget = (from: string, to: string): string => (from === to ? `the new build of version ${to}` : `version ${to}`);
/** An error's message without the `[threadspace] [plugin x]` prefix and its last full stop, to quote it. */
const unprefixed = (error: unknown): string => messageOf(error).replace(/^\[threadspace\] (\[plugin [^\]]+\] )?/, "").replace(/\.$/, "");
const codeOf = (error: unknown): ThreadspaceError["code"] => (error instanceof ThreadspaceError ? error.code : "init_failed");

/**
 * Upgrades all or nothing: the installed build is retired, the new one installed; when the new
 * one fails to start (instantiation, a start function, `init_plugin`, `get_metadata`) the old
 * build is put back as it was and started again, and the error (with the new build's code, its
 * cause attached) says that the upgrade was refused and which version keeps serving. What the new
 * build wrote while starting was held and is dropped (lifecycle/staged-commits.ts), so no data is
 * half-migrated. A failure after the new build was registered (an install hook, storing it) is
 * thrown as it is: the new build is then installed.
 */
export async function upgradeAll(manifest: PluginManifest, steps: UpgradeSteps): Promise<PluginInfo> {
  const retired = await steps.retire();
  try {
    return await steps.install();
  } catch (error) {
    if (steps.registered()) throw error;
    const from = retired.record.manifest.version;
    const why = refusal(manifest, from, retired.loaded, error);
    try {
      await steps.reinstate(retired, why);
    } catch (restartError) {
      // Closed meanwhile: nothing is installed any more, and the error says so.
      if (restartError instanceof ThreadspaceError && restartError.code === "engine_closed") throw restartError;
      throw new ThreadspaceError(
        codeOf(error),
        `upgrade to ${describeTarget(from, manifest.version)} was refused (${unprefixed(error)}), and version ${from} could not be started again (${unprefixed(restartError)}): version ${from} stays installed, unloaded, with its grants, config and data. Fix what stopped it and call engine.load(${JSON.stringify(manifest.name)}).`,
        { plugin: manifest.name, cause: error },
      );
    }
    throw new ThreadspaceError(codeOf(error), why, { plugin: manifest.name, cause: error });
  }
}

/** What a refused upgrade's error and log entry say: the new build's failure, and which version serves. */
function refusal(manifest: PluginManifest, from: string, loaded: boolean, error: unknown): string {
  const serving = loaded ? "keeps serving" : "stays installed, unloaded as it was";
  return `upgrade to ${describeTarget(from, manifest.version)} was refused: ${unprefixed(error)}. Version ${from} ${serving}, with its grants, config and data; nothing the new build wrote was kept.`;
}

/**
 * The error of an upgrade refused with the installed build in place (a check before it was
 * stopped, or a failed start after which it was put back): the new build's code and cause, and
 * which version serves.
 */
export function refusedUpgrade(manifest: PluginManifest, from: string, loaded: boolean, error: unknown): ThreadspaceError {
  return new ThreadspaceError(codeOf(error), refusal(manifest, from, loaded, error), { plugin: manifest.name, cause: error });
}
