import { parseDependency, type PluginManifest } from "@threadspace/manifest";
import { hostNamesOf } from "../bridge/bridge-channel.ts";
import type { WorkerInstance } from "../instance.ts";
import { MIN_START_MS, type WorkerStartOptions } from "../start-worker.ts";
import type { EnginePools } from "./engine-pools.ts";

/**
 * The function that instantiates a pooled plugin in its pool (chosen once, by the host's
 * `isolation.poolFor`), for its `WorkerSupervisor` to call whenever it needs a fresh instance.
 * Throws `bad_input` at once when `poolFor` names no pool.
 */
export function pooledInstanceFactory(manifest: PluginManifest, module: WebAssembly.Module, options: WorkerStartOptions, pools: EnginePools): () => Promise<WorkerInstance> {
  const pool = pools.poolOf({ name: manifest.name, version: manifest.version, manifest });
  const dependencies: ReadonlySet<string> = new Set(manifest.dependencies.map((spec) => parseDependency(spec).name));
  return pools.instances(pool, () => {
    const functions = options.functions();
    const kernel = options.kernel;
    return {
      module,
      useWasi: options.useWasi,
      config: { ...kernel.config },
      configVersion: kernel.configVersion(),
      hostMemory: options.hostMemory,
      ...(options.linked === undefined ? {} : { linked: options.linked }),
      ...(options.wasi === undefined ? {} : { wasi: options.wasi }),
      // A metered start function is stopped by its meter at the plugin's timeout (the worker lives on) ...
      startMs: options.timeoutMs,
      // ... and the worker is terminated only past the engine's start bound.
      startTimeoutMs: Math.max(options.timeoutMs, MIN_START_MS),
      guest: { plugin: options.plugin, dependencies, functions, kernel, memoryCap: options.memoryCap, hostNames: hostNamesOf(functions, kernel) },
    };
  });
}
