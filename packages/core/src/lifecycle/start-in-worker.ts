/**
 * Starting a plugin in a worker of its own or in a pool worker: everything only such plugins
 * need (the supervisor, the bridge and Extism's runInWorker, the pools). start-plugin.ts loads
 * this module with a dynamic `import()` the first time a plugin needs a worker, so an engine
 * that runs only inline plugins never loads it (bench/bundle-size: the initial chunk).
 */
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { ExtismHostFunction } from "@threadspace/host";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation } from "../calls/plugin-runner.ts";
import { extismConfigVersion } from "../config/extism-config.ts";
import { bridgeExtras } from "../host-functions/bridge-extras.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import { DEFAULT_SPIN_MICROS, workerTransport } from "../isolation/isolation-policy.ts";
import type { EnginePools } from "../isolation/pool/engine-pools.ts";
import { pooledInstanceFactory } from "../isolation/pool/pooled-start.ts";
import { workerInstanceFactory, type WorkerStartOptions } from "../isolation/start-worker.ts";
import { WorkerSupervisor } from "../isolation/worker-supervisor.ts";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";
import { BUILT_IN_DEFAULTS } from "../limits/limits-policy.ts";
import { extismLogging } from "../logs/extism-logging.ts";
import { checkMetadata, runInit } from "./lifecycle.ts";
import { isMeteredShape, runnerOptions, usesWasi, type ImportPlan } from "./start-plan.ts";
import type { StartOptions } from "./start-plugin.ts";

/**
 * How long past a metered call's deadline its worker is left to stop the call itself (see
 * WorkerSupervisor's graceMs). The meter stops a call within a slice (a few ms); the grace only
 * has to outlast a worker thread the OS did not schedule meanwhile, which on a loaded 2-core
 * machine was seen past 250 ms in Chromium — and terminating a pool worker restarts every
 * neighbour in it, so the backstop waits a full second.
 */
const METERED_GRACE_MS = 1000;

/** The engine's pools, their code loaded the first time (every engine passes them; a runner built without them cannot pool). */
async function loadPools(plugin: string, options: StartOptions): Promise<EnginePools> {
  if (options.pools === undefined) throw new ThreadspaceError("init_failed", "was asked to run in a worker pool, but this engine has no pools.");
  try {
    return await options.pools.load();
  } catch (cause) {
    throw new ThreadspaceError("init_failed", `could not load the engine's worker pool code (${messageOf(cause)}), so it cannot run in a worker pool. Check that the app serves every chunk of its bundle.`, { plugin, cause });
  }
}

/**
 * Starts the plugin in a worker of its own (or in a pool worker) under a {@link WorkerSupervisor}, which restarts it
 * after a timeout or a crash and runs the lifecycle (init_plugin, get_metadata check) on every
 * fresh instance through a runner of its own. The caller runs the first instance's lifecycle,
 * as for an inline plugin.
 */
export async function startWorker(manifest: PluginManifest, module: WebAssembly.Module, shape: ModuleShape, options: StartOptions, plan: ImportPlan, isolation: RunnerIsolation): Promise<PluginRunner> {
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
  const create = pooled ? pooledInstanceFactory(manifest, module, startWith, await loadPools(manifest.name, options)) : workerInstanceFactory(module, startWith);
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
