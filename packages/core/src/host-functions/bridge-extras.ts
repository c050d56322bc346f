import type { PluginManifest } from "@threadspace/manifest";
import type { LogStore } from "@threadspace/host";
import type { ExtismStyleHostFunction } from "./any-name-functions.ts";
import { outbound, type CompatServices } from "./plugin-extras.ts";
import { httpKernelFunctions, importsHttp } from "../http/http-kernel.ts";
import { bridgeKey } from "../isolation/bridge/protocol.ts";
import type { BridgeCallContext } from "../isolation/bridge/bridge-channel.ts";

const KERNEL_MODULE = "extism:host/env";

/**
 * The extras of a plugin in a bridge worker, served on the engine's thread (the worker waits, so
 * async functions need no JSPI): embedder functions and the HTTP kernel functions, keyed by
 * {@link bridgeKey}. Fresh for each worker instance. Only worker plugins need it: loaded with
 * lifecycle/start-in-worker.ts.
 */
export function bridgeExtras(manifest: PluginManifest, imports: readonly WebAssembly.ModuleImportDescriptor[], services: CompatServices | undefined, logs: LogStore): Record<string, ExtismStyleHostFunction> {
  if (services === undefined) return {};
  const out: Record<string, ExtismStyleHostFunction> = {};
  for (const [module, functions] of Object.entries(services.anyName.functionsFor(manifest.name, imports, services.gate))) {
    for (const [name, fn] of Object.entries(functions)) out[bridgeKey(module, name)] = fn;
  }
  if (importsHttp(imports)) {
    const http = outbound(manifest, services, logs);
    // The bridge's context carries the call's deadline (the wait counts against it); the call's transaction identifies the call.
    const kernel = httpKernelFunctions<BridgeCallContext>(
      manifest.name,
      http,
      (context) => context.deadline ?? Infinity,
      (context) => context.hostContext(),
    );
    for (const [name, fn] of Object.entries(kernel)) out[bridgeKey(KERNEL_MODULE, name)] = fn as ExtismStyleHostFunction;
  }
  return out;
}
