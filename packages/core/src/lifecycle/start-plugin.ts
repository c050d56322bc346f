import type { CallVars } from "../replay/call-vars.ts";
import { platform } from "#platform";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation, type RunnerLimits, type RunnerOptions } from "../calls/plugin-runner.ts";
import { extismConfigVersion, type ExtismConfig } from "../config/extism-config.ts";
import type { EngineLogger } from "../engine-options.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import type { Host } from "@threadspace/host";
import { extismLogging } from "../logs/extism-logging.ts";
import { checkMetadata, runCleanup, runInit } from "./lifecycle.ts";
import { StagedCommits } from "./staged-commits.ts";
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
import { bridgeExtras, compatNeeds, inlineExtras, type CompatNeeds, type CompatServices } from "../host-functions/plugin-extras.ts";
import { hostImports, type LinkedModule } from "../install/linked-modules.ts";
import { suspendingIsolation } from "../host-functions/suspending-isolation.ts";
import type { ExtismHostFunction } from "@threadspace/host";
import { HostMemoryGuard } from "../limits/host-memory.ts";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";
import { ExportContract } from "../exports/export-contract.ts";
import { engineWasi, SERVED_WASI_NAMESPACE, type EngineWasi } from "../wasi/plugin-wasi.ts";
import type { WorkerWasiSpec } from "../isolation/bridge/protocol.ts";
import { WasiValues, WASI_VALUES_MODULE, importsWasiValues } from "../wasi/wasi-values.ts";
import { initializeDeferred } from "../wasi/wasi-values-rewrite.ts";

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
  /** The engine-wide worker cap (`isolation.maxWorkers`), when it has one. */
  readonly workerSlots?: WorkerSlots;
  /** The engine's worker pools (`limits.isolation: "pool"`). */
  readonly pools?: EnginePools;
  /** Debug mode: check outputs against plugin.json's output schemas (`createEngine({ checkOutputs })`). */
  readonly checkOutputs?: boolean;
  /** HTTP and the embedder's functions by any name (host-functions/plugin-extras.ts). */
  readonly compat?: CompatServices;
  /** Modules linked with the main one (plugin.json `modules`). */
  readonly linked?: readonly LinkedModule[];
}

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";
/**
 * How long past a metered call's deadline its worker is left to stop the call itself (see
 * WorkerSupervisor's graceMs). The meter stops a call within a slice (a few ms); the grace only
 * has to outlast a worker thread the OS did not schedule meanwhile, which on a loaded 2-core
 * machine was seen past 250 ms in Chromium — and terminating a pool worker restarts every
 * neighbour in it, so the backstop waits a full second.
 */
const METERED_GRACE_MS = 1000;

/** What a plugin imports from the host, and what that needs. */
interface ImportPlan {
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

const usesWasi = (plan: ImportPlan): boolean => plan.imports.some((i) => i.module === "wasi_snapshot_preview1");
/** Extism's wasm list: the linked modules by name, then main. */
const wasmList = (module: WebAssembly.Module, linked: readonly LinkedModule[] = [], wasi?: EngineWasi) => [
  ...linked.map((each) => ({ name: each.name, module: each.module })),
  ...(wasi === undefined ? [] : [wasi.adapter]),
  { name: "main", module },
];

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
  // What the host serves: main's imports and its linked modules' (plugin.json `modules`).
  const imports = hostImports(shape, options.linked ?? []);
  const userImports = new Set(imports.filter((i) => i.module === USER_MODULE).map((i) => i.name));
  const needs = compatNeeds(imports, options.compat);
  // `limits.isolation` (plugin.json under the host's policy); "worker" where none can start
  // fails, or falls back to inline by the engine's explicit option, with a note. A plugin whose
  // imports must suspend (HTTP, async functions) runs in a worker where JSPI is missing.
  const isolation = suspendingIsolation(name, decideIsolation(name, options.limits?.isolation ?? "inline", options.isolation), needs, options.compat?.canSuspend);
  const wasiPlace = isolation.mode === "worker" && workerTransport(options.isolation) === "extism" ? "extism-worker" : isolation.mode;
  const served = await engineWasi(name, imports, options.compat?.wasi?.(name), platform.serveWasi, options.host.state.logs, wasiPlace);
  for (const note of [...isolation.notes, ...served.notes]) options.logger.warn(`[threadspace] [plugin ${name}] ${note}`);
  const plan: ImportPlan = { imports, userImports, needs, wasi: served.wasi, workerWasi: served.worker, commits: new StagedCommits(options.host, name) };
  const runner = isolation.mode !== "inline" ? await startWorker(manifest, module, shape, options, plan, isolation) : await startInline(manifest, module, shape, options, plan, isolation);
  let initialised = false;
  try {
    if (manifest.interface !== "extism") {
      await runInit(runner);
      initialised = true;
      await checkMetadata(runner, manifest);
    }
    await plan.commits.release();
    return runner;
  } catch (error) {
    // The cleanup's writes are dropped with init_plugin's: a failed start leaves the data as it was.
    if (initialised) await runCleanup(runner);
    plan.commits.discard();
    await runner.close().catch(() => undefined);
    throw error;
  }
}

/** How a runner over this plugin's instances opens and commits transactions, and the limits it enforces. */
function runnerOptions(manifest: PluginManifest, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): RunnerOptions {
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

/** Instantiates the module on the engine's thread (no lifecycle calls). */
async function startInline(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): Promise<PluginRunner> {
  const { userImports } = plan;
  const { name } = manifest;
  // Kernel logs (log_info, ..., AssemblyScript aborts) go into the plugin's log, at its live level.
  const logging = extismLogging(name, options.host.state.logs);
  // A metered module (docs/metering.md) gets a fuel meter; instantiation (a start function,
  // WASI's _initialize) runs under the plugin's fuel limit and timeout like a call.
  const meter = isMeteredShape(shape) ? new FuelMeter(name) : undefined;
  const timeoutMs = options.limits?.timeoutMs;
  meter?.begin({ fuel: options.limits?.fuel ?? Infinity, fuelSource: "limits.fuel", deadline: timeoutMs === undefined ? Infinity : performance.now() + timeoutMs, ...(timeoutMs === undefined ? {} : { timeoutMs }), exportName: "instantiation" });
  // The embedder's functions by any name and HTTP (host-functions/plugin-extras.ts); an HTTP wait counts against the call's deadline.
  const extras = inlineExtras(manifest, plan.imports, options.compat, options.host.state.logs, () => meter?.deadline ?? Infinity);
  const { [USER_MODULE]: userExtras, ...namespaces } = extras.namespaces as Record<string, Record<string, ExtismHostFunction>>;
  const userFunctions = { ...options.host.functionsFor(manifest, userImports), ...userExtras };
  const charged = (functions: Record<string, ExtismHostFunction>) => (meter === undefined ? functions : chargingHostCalls(meter, functions));
  const otherFunctions = Object.fromEntries(Object.entries(namespaces).map(([namespace, functions]) => [namespace, charged(functions)]));
  // Blocks and vars the plugin makes the host hold count against limits.hostMemoryBytes / maxVarBytes.
  const guard = new HostMemoryGuard(hostMemoryLimits(options.limits));
  // WASI clock and random, routed to the engine's namespace at install: served and recorded here (replay/wasi-reads.ts).
  const wasiValues = importsWasiValues(module) ? new WasiValues(undefined, meter === undefined ? undefined : (fuel) => meter.charge(fuel)) : undefined;
  let plugin;
  try {
    const createPlugin = await platform.loadExtism();
    plugin = await createPlugin(
      { wasm: wasmList(module, options.linked, plan.wasi) },
      {
        useWasi: usesWasi(plan) && plan.wasi === undefined,
        config: options.extismConfig,
        logger: logging.logger,
        logLevel: logging.logLevel,
        functions: { ...logging.functions, ...meter?.extismFunctions(), ...otherFunctions, [KERNEL_MODULE]: { ...guard.kernelFunctions(), ...extras.kernel }, [USER_MODULE]: charged(userFunctions), ...(plan.wasi === undefined ? {} : { [SERVED_WASI_NAMESPACE]: charged(plan.wasi.functions) }), ...(wasiValues === undefined ? {} : { [WASI_VALUES_MODULE]: wasiValues.extismFunctions() }) },
        ...extras.extismOptions,
      },
    );
  } catch (cause) {
    plan.wasi?.served.close();
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
  }
  const memory = instance.exports["memory"] instanceof WebAssembly.Memory ? instance.exports["memory"] : undefined;
  if (memory !== undefined) wasiValues?.bind(memory);
  if (plan.wasi !== undefined) {
    if (memory === undefined) {
      meter?.end();
      await plugin.close().catch(() => undefined);
      plan.wasi.served.close();
      throw new ThreadspaceError("wasm_invalid", "imports WASI but exports no memory named \"memory\" for it to use.", { plugin: name });
    }
    plan.wasi.served.bind(memory);
  }
  // A WASI module's _initialize, deferred by the install rewrite until the engine's WASI knows the memory; under the instantiation budget.
  try {
    initializeDeferred(instance);
  } catch (cause) {
    const stop = meter?.end().stop;
    await plugin.close().catch(() => undefined);
    plan.wasi?.served.close();
    if (stop !== undefined) throw stop.error;
    throw new ThreadspaceError("init_failed", `could not be instantiated: its _initialize failed: ${messageOf(cause)}`, { plugin: name, cause });
  }
  meter?.end();
  const served = plan.wasi?.served;
  const beginGuard = wasiValues === undefined ? (vars?: CallVars) => guard.beginCall(vars) : (vars?: CallVars) => (guard.beginCall(vars), wasiValues.beginCall(vars));
  const beginCall = plan.needs.http ? (vars?: CallVars) => (beginGuard(vars), extras.beginCall()) : beginGuard;
  const callStart = served === undefined ? { beginCall } : { beginCall, close: () => served.close() };
  return new PluginRunner(name, new InlineInstance(name, plugin, memory, meter, options.limits?.memoryPages, callStart), shape.exports, { ...runnerOptions(manifest, options, plan, isolation), metered: meter !== undefined });
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
async function startWorker(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): Promise<PluginRunner> {
  const { userImports } = plan;
  const { name } = manifest;
  const logs = options.host.state.logs;
  const config = options.extismConfig;
  const transport = workerTransport(options.isolation);
  const timeoutMs = options.limits?.timeoutMs ?? BUILT_IN_DEFAULTS.timeoutMs;
  const logging = extismLogging(name, logs);
  const startWith: WorkerStartOptions = {
    plugin: name,
    transport,
    useWasi: usesWasi(plan) && plan.workerWasi === undefined,
    ...(plan.workerWasi === undefined ? {} : { wasi: plan.workerWasi }),
    functions: () => ({ ...options.host.functionsFor(manifest, userImports, { inWorker: true }), ...(bridgeExtras(manifest, plan.imports, options.compat, logs) as Record<string, ExtismHostFunction>) }),
    ...(options.linked === undefined || options.linked.length === 0 ? {} : { linked: Object.fromEntries(options.linked.map((each) => [each.name, each.module])) }),
    kernel: {
      config,
      configVersion: () => extismConfigVersion(config),
      logLevel: () => logs.level(name),
      log: (level, text) => logs.append(name, level, text, undefined, "extism"),
      // Lines the plugin writes to WASI stdout/stderr in its worker (wasi.output), as inline: stdout at info, stderr at warn.
      ...(plan.workerWasi?.output === true ? { wasiOutput: (stream: "stdout" | "stderr", line: string) => void logs.append(name, stream === "stdout" ? "info" : "warn", line, { wasi: stream }) } : {}),
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
  const runnerWith = runnerOptions(manifest, options, plan, isolation);
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
