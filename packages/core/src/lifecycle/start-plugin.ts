import { platform } from "#platform";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation, type RunnerLimits, type RunnerOptions } from "../calls/plugin-runner.ts";
import { extismConfigVersion, type ExtismConfig } from "../config/extism-config.ts";
import type { EngineLogger } from "../engine-options.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import type { CallTransaction, Host } from "@threadspace/host";
import { extismLogging } from "../logs/extism-logging.ts";
import { checkMetadata, runCleanup, runInit } from "./lifecycle.ts";
import { InlineInstance } from "../isolation/inline-instance.ts";
import { DEFAULT_SPIN_MICROS, decideIsolation, workerTransport, type EngineIsolationOptions } from "../isolation/isolation-policy.ts";
import { workerInstanceFactory, type WorkerStartOptions } from "../isolation/start-worker.ts";
import { pooledInstanceFactory } from "../isolation/pool/pooled-start.ts";
import type { EnginePools } from "../isolation/pool/engine-pools.ts";
import { WorkerSupervisor } from "../isolation/worker-supervisor.ts";
import type { WorkerSlots } from "../limits/call-limits.ts";
import { BUILT_IN_DEFAULTS } from "../limits/limits-policy.ts";
import { FuelMeter, METER_MODULE } from "../fuel/fuel-meter.ts";
import { chargingHostCalls } from "../fuel/charge-host-calls.ts";
import { HostMemoryGuard } from "../limits/host-memory.ts";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";
import { ExportContract } from "../exports/export-contract.ts";

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
  /** The engine's worker pools (`limits.isolation: "pool"`). */
  readonly pools?: EnginePools;
  /** Debug mode: check outputs against plugin.json's output schemas (`createEngine({ checkOutputs })`). */
  readonly checkOutputs?: boolean;
}

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";
/** How long past a metered call's deadline its worker is left to stop the call itself (see WorkerSupervisor's graceMs). */
const METERED_GRACE_MS = 250;

/** True when the module was metered by the rewrite (it imports the meter: docs/metering.md). */
function isMeteredShape(shape: ModuleShape): boolean {
  return shape.imports.some((i) => i.module === METER_MODULE);
}

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
  const runner = isolation.mode !== "inline" ? await startWorker(manifest, module, shape, options, userImports, isolation) : await startInline(manifest, module, shape, options, userImports, isolation);
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

/** How a runner over this plugin's instances opens and commits transactions, and the limits it enforces. */
function runnerOptions(manifest: PluginManifest, options: StartOptions, userImports: ReadonlySet<string>, isolation: RunnerIsolation): RunnerOptions {
  const { name } = manifest;
  return {
    ...(manifest.exports === undefined ? {} : { contract: new ExportContract(name, manifest.exports, options.checkOutputs === true) }),
    ...(userImports.size > 0 ? { begin: () => options.host.begin(name) } : {}),
    ...(userImports.size > 0 && options.commit !== undefined ? { commit: options.commit } : {}),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    isolation,
  };
}

/** Instantiates the module on the engine's thread (no lifecycle calls). */
async function startInline(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, userImports: ReadonlySet<string>, isolation: RunnerIsolation): Promise<PluginRunner> {
  const { name } = manifest;
  // Kernel logs (log_info, ..., AssemblyScript aborts) go into the plugin's log, at its live level.
  const logging = extismLogging(name, options.host.state.logs);
  // A metered module (docs/metering.md) gets a fuel meter; instantiation (a start function,
  // WASI's _initialize) runs under the plugin's fuel limit and timeout like a call.
  const meter = isMeteredShape(shape) ? new FuelMeter(name) : undefined;
  const timeoutMs = options.limits?.timeoutMs;
  meter?.begin({ fuel: options.limits?.fuel ?? Infinity, fuelSource: "limits.fuel", deadline: timeoutMs === undefined ? Infinity : performance.now() + timeoutMs, ...(timeoutMs === undefined ? {} : { timeoutMs }), exportName: "instantiation" });
  const userFunctions = options.host.functionsFor(manifest, userImports);
  // Blocks and vars the plugin makes the host hold count against limits.hostMemoryBytes / maxVarBytes.
  const guard = new HostMemoryGuard(hostMemoryLimits(options.limits));
  let plugin;
  try {
    const createPlugin = await platform.loadExtism();
    plugin = await createPlugin(
      { wasm: [{ module }] },
      {
        useWasi: shape.usesWasi,
        config: options.extismConfig,
        logger: logging.logger,
        logLevel: logging.logLevel,
        functions: { ...logging.functions, ...meter?.extismFunctions(), [KERNEL_MODULE]: guard.kernelFunctions(), [USER_MODULE]: meter === undefined ? userFunctions : chargingHostCalls(meter, userFunctions) },
      },
    );
  } catch (cause) {
    const stop = meter?.end().stop;
    if (stop !== undefined) throw stop.error;
    const code = cause instanceof WebAssembly.LinkError ? "wasm_invalid" : "init_failed";
    throw new ThreadspaceError(code, `could not be instantiated: ${messageOf(cause)}`, { plugin: name, cause });
  }
  logging.bind();
  guard.attach(plugin);
  const instance = await plugin.getInstance();
  if (meter !== undefined) {
    try {
      meter.attach(instance);
    } catch (error) {
      await plugin.close().catch(() => undefined);
      throw error;
    }
    meter.end();
  }
  const memory = instance.exports["memory"] instanceof WebAssembly.Memory ? instance.exports["memory"] : undefined;
  return new PluginRunner(name, new InlineInstance(name, plugin, memory, meter, options.limits?.memoryPages, guard), shape.exports, { ...runnerOptions(manifest, options, userImports, isolation), metered: meter !== undefined });
}

/** The engine's pools (every engine passes them; a runner built without them cannot pool). */
function requirePools(options: StartOptions): EnginePools {
  if (options.pools === undefined) throw new ThreadspaceError("init_failed", "was asked to run in a worker pool, but this engine has no pools.");
  return options.pools;
}

/**
 * Starts the plugin in a worker of its own (or in a pool worker) under a {@link WorkerSupervisor}, which restarts it
 * after a timeout or a crash and runs the lifecycle (init_plugin, get_metadata check) on every
 * fresh instance through a runner of its own. The caller runs the first instance's lifecycle,
 * as for an inline plugin.
 */
async function startWorker(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, userImports: ReadonlySet<string>, isolation: RunnerIsolation): Promise<PluginRunner> {
  const { name } = manifest;
  const logs = options.host.state.logs;
  const config = options.extismConfig;
  const transport = workerTransport(options.isolation);
  const timeoutMs = options.limits?.timeoutMs ?? BUILT_IN_DEFAULTS.timeoutMs;
  const logging = extismLogging(name, logs);
  const startWith: WorkerStartOptions = {
    plugin: name,
    transport,
    useWasi: shape.usesWasi,
    functions: () => options.host.functionsFor(manifest, userImports, { inWorker: true }),
    kernel: {
      config,
      configVersion: () => extismConfigVersion(config),
      logLevel: () => logs.level(name),
      log: (level, text) => logs.append(name, level, text, undefined, "extism"),
    },
    logging,
    timeoutMs,
    spinMicros: { engine: options.isolation?.spinMicros?.engine ?? DEFAULT_SPIN_MICROS.engine, worker: options.isolation?.spinMicros?.worker ?? DEFAULT_SPIN_MICROS.worker },
    resetEvery: options.isolation?.resetEvery,
    memoryCap: options.limits?.memoryPages ?? BUILT_IN_DEFAULTS.memoryPages,
    hostMemory: hostMemoryLimits(options.limits),
  };
  const pooled = isolation.mode === "pool";
  const create = pooled ? pooledInstanceFactory(manifest, module, startWith, requirePools(options)) : workerInstanceFactory(module, startWith);
  const runnerWith = runnerOptions(manifest, options, userImports, isolation);
  // A metered module in a bridge worker stops itself at its deadline and keeps its worker: the
  // supervisor terminates it only if that fails (a long bulk operation, a stuck host call).
  const metered = isMeteredShape(shape) && (transport === "bridge" || pooled);
  const supervisor = await WorkerSupervisor.start({
    name,
    timeoutMs,
    ...(metered ? { graceMs: METERED_GRACE_MS } : {}),
    lifecycle: manifest.interface !== "extism",
    create,
    // Pool workers are bounded by their pool's size, not by isolation.maxWorkers; their pool restarts them.
    slots: pooled ? undefined : options.workerSlots,
    // A spare worker would hold one of the engine's worker slots while idle.
    prewarm: !pooled && options.workerSlots === undefined,
    restartLifecycle: async (instance) => {
      if (manifest.interface === "extism") return;
      // Through a runner of its own (not counted in stats); the instance is not closed by it.
      const fresh = new PluginRunner(name, instance, shape.exports, runnerWith);
      await runInit(fresh);
      await checkMetadata(fresh, manifest);
    },
  });
  return new PluginRunner(name, supervisor, shape.exports, { ...runnerWith, workerStats: supervisor.stats, metered });
}
