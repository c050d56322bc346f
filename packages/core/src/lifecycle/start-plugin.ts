import createPlugin from "@extism/extism";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation, type RunnerLimits } from "../calls/plugin-runner.ts";
import type { ExtismConfig } from "../config/extism-config.ts";
import type { EngineLogger } from "../engine-options.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import type { CallTransaction, Host } from "@threadspace/host";
import { extismLogging } from "../logs/extism-logging.ts";
import { checkMetadata, runCleanup, runInit } from "./lifecycle.ts";
import { decideIsolation, type EngineIsolationOptions } from "../isolation/isolation-policy.ts";
import { startWorkerRunner } from "../isolation/start-worker.ts";
import type { WorkerSlots } from "../limits/call-limits.ts";
import { HostMemoryGuard } from "../limits/host-memory.js";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";

/** What starting a plugin needs besides its manifest and module. */
export interface StartOptions {
  readonly logger: EngineLogger;
  readonly host: Host;
  /** What Extism's `config_get` reads: the plugin's merged config, kept up to date in place. */
  readonly extismConfig: ExtismConfig;
  /** Per-call limits the runner enforces (input/output size, the memory cap for trap reports). */
  readonly limits?: RunnerLimits;
  /** The engine's isolation options (what to do where workers are unavailable, reset cadence). */
  readonly isolation?: EngineIsolationOptions;
  /** Stores a call's writes before they apply (engines with storage; see `Committer`). */
  readonly commit?: (tx: CallTransaction) => Promise<void> | undefined;
  /** The engine-wide worker cap (`isolation.maxWorkers`), when it has one. */
  readonly workerSlots?: WorkerSlots;
}

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";

/**
 * Instantiates a compiled module and, for Threadspace plugins, runs `init_plugin` and checks
 * `get_metadata`. On any failure the instance is closed and the error thrown; nothing leaks.
 */
export async function startPlugin(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions): Promise<PluginRunner> {
  const { name } = manifest;
  const userImports = new Set(shape.imports.filter((i) => i.module === USER_MODULE).map((i) => i.name));
  // `limits.isolation` (plugin.json under the host's policy); "worker" where none can start
  // fails, or falls back to inline by the engine's explicit option, with a note.
  const isolation = decideIsolation(name, options.limits?.isolation ?? "inline", options.isolation);
  for (const note of isolation.notes) options.logger.warn(`[threadspace] [plugin ${name}] ${note}`);
  const runner = isolation.mode === "worker" ? await startWorkerRunner(manifest, module, shape, options, userImports, isolation) : await startInline(manifest, module, shape, options, userImports, isolation);
  if (manifest.interface === "extism") return runner;
  let initialised = false;
  try {
    await runInit(runner);
    initialised = true;
    await checkMetadata(runner, manifest);
    return runner;
  } catch (error) {
    if (initialised) await runCleanup(runner);
    await runner.close().catch(() => undefined);
    throw error;
  }
}

/** Instantiates the module on the engine's thread (no lifecycle calls). */
async function startInline(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, userImports: ReadonlySet<string>, isolation: RunnerIsolation): Promise<PluginRunner> {
  const { name } = manifest;
  // Kernel logs (log_info, ..., AssemblyScript aborts) go into the plugin's log, at its live level.
  const logging = extismLogging(name, options.host.state.logs);
  // Blocks and vars the plugin makes the host hold count against limits.hostMemoryBytes / maxVarBytes.
  const guard = new HostMemoryGuard(hostMemoryLimits(options.limits));
  let plugin;
  try {
    plugin = await createPlugin(
      { wasm: [{ module }] },
      {
        useWasi: shape.usesWasi,
        config: options.extismConfig,
        logger: logging.logger,
        logLevel: logging.logLevel,
        functions: { ...logging.functions, [KERNEL_MODULE]: guard.kernelFunctions(), [USER_MODULE]: options.host.functionsFor(manifest, userImports) },
      },
    );
  } catch (cause) {
    const code = cause instanceof WebAssembly.LinkError ? "wasm_invalid" : "init_failed";
    throw new ThreadspaceError(code, `could not be instantiated: ${messageOf(cause)}`, { plugin: name, cause });
  }
  logging.bind();
  guard.attach(plugin);
  const instance = await plugin.getInstance();
  const memory = instance.exports["memory"] instanceof WebAssembly.Memory ? instance.exports["memory"] : undefined;
  const runner = new PluginRunner(name, plugin, shape.exports, {
    ...(userImports.size > 0 ? { begin: () => options.host.begin(name) } : {}),
    ...(userImports.size > 0 && options.commit !== undefined ? { commit: options.commit } : {}),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(memory === undefined ? {} : { memory }),
    isolation,
  });
  return runner;
}
