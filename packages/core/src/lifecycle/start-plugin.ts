import type { CallVars } from "../replay/call-vars.ts";
import { platform } from "#platform";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation, type RunnerLimits } from "../calls/plugin-runner.ts";
import type { ExtismConfig } from "../config/extism-config.ts";
import type { EngineLogger } from "../engine-options.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import type { Host } from "@threadspace/host";
import { extismLogging } from "../logs/extism-logging.ts";
import { checkMetadata, runCleanup, runInit } from "./lifecycle.ts";
import { StagedCommits } from "./staged-commits.ts";
import { InlineInstance } from "../isolation/inline-instance.ts";
import { decideIsolation, workerTransport, type EngineIsolationOptions } from "../isolation/isolation-policy.ts";
import type { LazyPools } from "../isolation/lazy-pools.ts";
import type { WorkerSlots } from "../limits/call-limits.ts";
import { FuelMeter } from "../fuel/fuel-meter.ts";
import { chargingHostCalls } from "../fuel/charge-host-calls.ts";
import { compatNeeds, inlineExtras, type CompatServices } from "../host-functions/plugin-extras.ts";
import { hostImports, type LinkedModule } from "../install/linked-modules.ts";
import { suspendingIsolation } from "../host-functions/suspending-isolation.ts";
import type { ExtismHostFunction } from "@threadspace/host";
import type { ExtismStyleHostFunction } from "../host-functions/any-name-functions.ts";
import { HostMemoryGuard } from "../limits/host-memory.ts";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";
import { engineWasi, SERVED_WASI_NAMESPACE, type EngineWasi } from "../wasi/plugin-wasi.ts";
import { isMeteredShape, runnerOptions, usesWasi, type ImportPlan } from "./start-plan.ts";
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
  /** The engine's worker pools (`limits.isolation: "pool"`), their code loaded with the first pooled plugin. */
  readonly pools?: LazyPools;
  /** Debug mode: check outputs against plugin.json's output schemas (`createEngine({ checkOutputs })`). */
  readonly checkOutputs?: boolean;
  /** HTTP and the embedder's functions by any name (host-functions/plugin-extras.ts). */
  readonly compat?: CompatServices;
  /** Modules linked with the main one (plugin.json `modules`). */
  readonly linked?: readonly LinkedModule[];
}

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";

/** Extism's wasm list: the linked modules by name, then main. */
const wasmList = (module: WebAssembly.Module, linked: readonly LinkedModule[] = [], wasi?: EngineWasi) => [
  ...linked.map((each) => ({ name: each.name, module: each.module })),
  ...(wasi === undefined ? [] : [wasi.adapter]),
  { name: "main", module },
];

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
  const runner = isolation.mode !== "inline" ? await startInWorker(manifest, module, shape, options, plan, isolation) : await startInline(manifest, module, shape, options, plan, isolation);
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
  const charged = (functions: Readonly<Record<string, ExtismStyleHostFunction>>) => (meter === undefined ? functions : chargingHostCalls(meter, functions));
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

/**
 * Starts the plugin in a worker or a pool (lifecycle/start-in-worker.ts). That code — the
 * supervisor, the bridge, the pools — is loaded by a dynamic `import()` here, the first time a
 * plugin needs it, so an app that runs only inline plugins never loads it.
 */
async function startInWorker(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): Promise<PluginRunner> {
  let code: typeof import("./start-in-worker.ts");
  try {
    code = await import("./start-in-worker.ts");
  } catch (cause) {
    plan.wasi?.served.close();
    throw new ThreadspaceError("init_failed", `could not load the engine's worker code (${messageOf(cause)}), so it cannot run in a ${isolation.mode === "pool" ? "worker pool" : "worker"}. Check that the app serves every chunk of its bundle.`, { plugin: manifest.name, cause });
  }
  return code.startWorker(manifest, module, shape, options, plan, isolation);
}
