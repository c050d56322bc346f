import { ExportContract } from "../exports/export-contract.ts";
import type { RunnerIsolation, RunnerOptions } from "../calls/plugin-runner.ts";
import type { CompatNeeds } from "../host-functions/plugin-extras.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import { METER_MODULE } from "../fuel/fuel-meter.ts";
import type { EngineWasi } from "../wasi/plugin-wasi.ts";
import type { WorkerWasiSpec } from "../isolation/bridge/protocol.ts";
import type { PluginManifest } from "@threadspace/manifest";
import type { StagedCommits } from "./staged-commits.ts";
import type { StartOptions } from "./start-plugin.ts";

/** What a plugin imports from the host, and what that needs (shared by the inline and the worker start). */
export interface ImportPlan {
  readonly imports: readonly WebAssembly.ModuleImportDescriptor[];
  readonly userImports: ReadonlySet<string>;
  readonly needs: CompatNeeds;
  /** WASI served by the engine (output to the log, read-only mounts), when asked for and possible. */
  readonly wasi?: EngineWasi | undefined;
  /** The same, built inside the plugin's bridge or pool worker (Node). */
  readonly workerWasi?: WorkerWasiSpec | undefined;
  /** Where its calls' writes go: held until the start is complete, dropped when it fails (staged-commits.ts). */
  readonly commits: StagedCommits;
}

/** True when the plugin imports WASI. */
export const usesWasi = (plan: ImportPlan): boolean => plan.imports.some((i) => i.module === "wasi_snapshot_preview1");

/** True when the module was metered by the rewrite (it imports the meter: docs/metering.md). */
export function isMeteredShape(shape: ModuleShape): boolean {
  return shape.imports.some((i) => i.module === METER_MODULE);
}

/** How a runner over this plugin's instances opens and commits transactions, and the limits it enforces. */
export function runnerOptions(manifest: PluginManifest, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): RunnerOptions {
  const { name } = manifest;
  // Host functions of any kind get the call's transaction (ts_* APIs, the embedder's functions, HTTP's per-call count).
  const transactions = plan.userImports.size > 0 || plan.needs.http || plan.needs.anyName;
  return {
    ...(manifest.exports === undefined ? {} : { contract: new ExportContract(name, manifest.exports, options.checkOutputs === true) }),
    // The host opens each call's transaction and commits it through its own persistence (held while the plugin starts).
    ...(transactions ? { transactions: plan.commits } : {}),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    isolation,
  };
}
