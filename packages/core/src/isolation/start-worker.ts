import createPlugin, { type CallContext } from "@extism/extism";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import { PluginRunner, type RunnerIsolation, type RunnerOptions } from "../calls/plugin-runner.ts";
import type { ModuleShape } from "../install/wasm-module.ts";
import { checkMetadata, runInit } from "../lifecycle/lifecycle.ts";
import type { StartOptions } from "../lifecycle/start-plugin.ts";
import { BUILT_IN_DEFAULTS } from "../limits/limits-policy.ts";
import { hostMemoryLimits } from "../limits/host-memory-limits.ts";
import { extismConfigVersion } from "../config/extism-config.ts";
import { extismLogging } from "../logs/extism-logging.ts";
import { asBackgroundPlugin } from "./bridge/as-extism.ts";
import { BridgePlugin, type BridgeHostFunction } from "./bridge/bridge-plugin.ts";
import { LOG_PRIORITY } from "./bridge/protocol.js";
import { DEFAULT_SPIN_MICROS, workerTransport } from "./isolation-policy.ts";
import { WorkerPlugin, type BackgroundExtismPlugin } from "./worker-plugin.ts";

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";
/**
 * Longest a worker may take to start and instantiate the module (start functions included),
 * at least: starting a worker takes 30-40 ms here, much more on a loaded machine, and must not
 * count against a short call timeout.
 */
const MIN_START_MS = 10_000;


/** Frees a kernel block on the main-thread context (Extism keeps its kernel under a symbol named "env"). */
function freeBlock(context: CallContext, handle: bigint): void {
  const env = Object.getOwnPropertySymbols(context).find((symbol) => symbol.description === "env");
  const kernel = env === undefined ? undefined : (context as unknown as Record<symbol, { free?: (handle: bigint) => void }>)[env];
  kernel?.free?.(handle);
}

/**
 * Kernel functions served on the engine's thread instead of in the worker, so that a worker
 * plugin sees what an inline one sees: the live config (Extism would copy it into the worker
 * once) and its live log level (Extism's worker context stays at `trace`).
 */
function liveKernel(name: string, options: StartOptions): Record<string, (context: CallContext, ...args: bigint[]) => bigint | number> {
  const config = options.extismConfig;
  const logs = options.host.state.logs;
  return {
    config_get(context, handle) {
      const key = context.read(handle)?.text();
      freeBlock(context, handle as bigint);
      if (key === undefined || !Object.prototype.hasOwnProperty.call(config, key)) return 0n;
      return context.store(config[key] as string);
    },
    get_log_level: () => LOG_PRIORITY[logs.level(name)],
  };
}

/** Maps a failure to start a worker to the engine's error (a link error means the module is at fault). */
function startError(name: string, cause: unknown): ThreadspaceError {
  const message = messageOf(cause);
  const code = cause instanceof WebAssembly.LinkError || /cannot resolve import|LinkError|Import #\d/.test(message) ? "wasm_invalid" : "init_failed";
  return new ThreadspaceError(code, `could not be instantiated in a worker: ${message}`, { plugin: name, cause });
}

/**
 * Starts a plugin in its own worker behind a {@link PluginRunner}: through our shared-memory
 * bridge (bridge/, the default where `Atomics.waitAsync` exists) or Extism's `runInWorker`
 * (`isolation.transport: "extism"`). Host functions run on the engine's thread inside the
 * call's transaction. The caller runs the lifecycle (init_plugin, get_metadata) as for an
 * inline plugin; after a timeout or a crash the {@link WorkerPlugin} starts a fresh instance
 * and runs it again.
 */
export async function startWorkerRunner(
  manifest: PluginManifest,
  module: WebAssembly.Module,
  shape: ModuleShape,
  options: StartOptions,
  userImports: ReadonlySet<string>,
  isolation: RunnerIsolation,
): Promise<PluginRunner> {
  const { name } = manifest;
  const limits = options.limits;
  const timeoutMs = limits?.timeoutMs ?? BUILT_IN_DEFAULTS.timeoutMs;
  const create = async (): Promise<BackgroundExtismPlugin> => {
    // The engine-wide worker cap: wait for a slot; the worker's close (unload, timeout, crash) gives it back.
    const release = await options.workerSlots?.acquire();
    try {
      const plugin = await createWorker();
      if (release !== undefined) {
        const close = plugin.close.bind(plugin);
        plugin.close = async () => {
          try {
            await close();
          } finally {
            release();
          }
        };
      }
      return plugin;
    } catch (error) {
      release?.();
      throw error;
    }
  };
  const transport = workerTransport(options.isolation);
  const userFunctions = () => options.host.functionsFor(manifest, userImports, { inWorker: true });
  const startTimeoutMs = Math.max(timeoutMs, MIN_START_MS);
  const createBridged = async (): Promise<BackgroundExtismPlugin> => {
    const logs = options.host.state.logs;
    const config = options.extismConfig;
    try {
      const bridge = await BridgePlugin.start(module, {
        name: `threadspace plugin ${name}`,
        useWasi: shape.usesWasi,
        startTimeoutMs,
        spinMicros: options.isolation?.spinMicros?.engine ?? DEFAULT_SPIN_MICROS.engine,
        workerSpinMicros: options.isolation?.spinMicros?.worker ?? DEFAULT_SPIN_MICROS.worker,
        hostMemory: hostMemoryLimits(limits),
        // Extism-shaped host functions that only use read / store / hostContext (inWorker).
        functions: userFunctions() as unknown as Record<string, BridgeHostFunction>,
        kernel: {
          config,
          configVersion: () => extismConfigVersion(config),
          logLevel: () => logs.level(name),
          log: (level, text) => logs.append(name, level, text, undefined, "extism"),
        },
      });
      return asBackgroundPlugin(bridge);
    } catch (cause) {
      throw startError(name, cause);
    }
  };
  const createExtism = async (): Promise<BackgroundExtismPlugin> => {
    const logging = extismLogging(name, options.host.state.logs);
    try {
      // A fresh `functions` object each time: Extism adds var_get/var_set bound to the instance.
      const plugin = await createPlugin(
        { wasm: [{ module }] },
        {
          runInWorker: true,
          // Guards instantiation (a start function that never returns); WorkerPlugin clears it after.
          timeoutMs: startTimeoutMs,
          useWasi: shape.usesWasi,
          config: options.extismConfig,
          logger: logging.logger,
          logLevel: logging.logLevel,
          functions: { [KERNEL_MODULE]: liveKernel(name, options), [USER_MODULE]: userFunctions() },
          // Extism's own var cap (its worker's blocks cannot be guarded from here: docs/security.md).
          memory: { maxVarBytes: hostMemoryLimits(limits).maxVarBytes },
          nodeWorkerArgs: { name: `threadspace plugin ${name}` },
        },
      );
      return plugin as BackgroundExtismPlugin;
    } catch (cause) {
      throw startError(name, cause);
    }
  };
  const createWorker = transport === "bridge" ? createBridged : createExtism;
  const runnerOptions: RunnerOptions = {
    ...(userImports.size > 0 ? { begin: () => options.host.begin(name) } : {}),
    ...(userImports.size > 0 && options.commit !== undefined ? { commit: options.commit } : {}),
    ...(limits === undefined ? {} : { limits }),
    isolation,
  };
  const plugin = await WorkerPlugin.start({
    name,
    timeoutMs,
    memoryPages: limits?.memoryPages ?? BUILT_IN_DEFAULTS.memoryPages,
    lifecycle: manifest.interface !== "extism",
    // The bridge runs Extism inline in its worker, which frees each call's buffers itself.
    ...(transport === "bridge" ? { resetEvery: Infinity } : options.isolation?.resetEvery === undefined ? {} : { resetEvery: options.isolation.resetEvery }),
    create,
    // A spare worker would hold one of the engine's worker slots while idle.
    prewarm: options.workerSlots === undefined,
    restartLifecycle: async (instance) => {
      if (manifest.interface === "extism") return;
      // Through a runner of its own (not counted in stats); the instance is not closed by it.
      const fresh = new PluginRunner(name, instance, shape.exports, runnerOptions);
      await runInit(fresh);
      await checkMetadata(fresh, manifest);
    },
  });
  return new PluginRunner(name, plugin, shape.exports, runnerOptions);
}
