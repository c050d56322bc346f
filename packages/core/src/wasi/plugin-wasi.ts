import { ThreadspaceError } from "@threadspace/errors";
import type { LogStore } from "@threadspace/host";
import type { ServeWasi, ServedWasi } from "./served-wasi.ts";
import { WASI_MODULE, SERVED_WASI_NAMESPACE, wasiAdapterBytes, wasiFunctions } from "./wasi-adapter.ts";
import { notServed, type PluginWasi } from "./wasi-options.ts";
import type { WorkerWasiSpec } from "../isolation/bridge/protocol.ts";

/** A plugin's WASI served by the engine: the adapter to link, the functions it imports, and the WASI behind them. */
export interface EngineWasi {
  /** Linked under `wasi_snapshot_preview1` in Extism's wasm list (instead of Extism's own WASI). */
  readonly adapter: { readonly name: string; readonly module: WebAssembly.Module };
  /** Extism-style functions for {@link SERVED_WASI_NAMESPACE}. */
  readonly functions: Record<string, ServedWasiFunction>;
  readonly served: ServedWasi;
}

/** Compiled adapters by the set of functions they re-export (few sets in practice; bounded all the same). */
const adapters = new Map<string, Promise<WebAssembly.Module>>();
const MAX_ADAPTERS = 32;

function adapterFor(plugin: string, functions: readonly string[]): Promise<WebAssembly.Module> {
  const key = functions.join(",");
  let module = adapters.get(key);
  if (module === undefined) {
    module = WebAssembly.compile(wasiAdapterBytes(plugin, functions) as Uint8Array<ArrayBuffer>);
    if (adapters.size >= MAX_ADAPTERS) adapters.delete(adapters.keys().next().value as string);
    adapters.set(key, module);
    module.catch(() => adapters.delete(key));
  }
  return module;
}

/** Where a plugin runs, as the engine's WASI sees it: on the engine's thread, in a bridge worker or pool worker, or under Extism's runInWorker (`isolation.transport: "extism"`). */
export type WasiPlace = "inline" | "worker" | "pool" | "extism-worker";

/**
 * Decides who serves a plugin's WASI. Extism's (nothing mounted, output discarded) unless the
 * embedder asked for output or mounts (`createEngine({ wasi })`); then, in Node, the engine's own:
 * on the engine's thread (`wasi`), or inside its bridge or pool worker (`worker`: what the worker
 * builds it from; mounts are checked here first). Mounts that cannot be served (browsers, workerd,
 * Extism's runInWorker) fail the start with `bad_input`; output that cannot be captured gives a
 * note and is discarded.
 */
export async function engineWasi(
  plugin: string,
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  wanted: PluginWasi | undefined,
  serve: ServeWasi | undefined,
  logs: LogStore,
  place: WasiPlace,
): Promise<{ readonly wasi?: EngineWasi; readonly worker?: WorkerWasiSpec; readonly notes: readonly string[] }> {
  const functions = wasiFunctions(imports);
  if (functions.length === 0 || wanted === undefined) return { notes: [] };
  const mounts = Object.keys(wanted.allowedPaths).length > 0;
  if (!wanted.output && !mounts) return { notes: [] };
  if (mounts && serve === undefined) throw notServed(plugin);
  if (mounts && place === "extism-worker") {
    throw new ThreadspaceError("bad_input", `wasi.allowedPaths is not served to plugins under Extism's runInWorker (isolation.transport "extism"), which runs its own WASI. Use the bridge transport (the default where Atomics.waitAsync exists), limits.isolation "inline", or grant it no mount.`, { plugin });
  }
  if (serve === undefined || place === "extism-worker") {
    return { notes: [`wasi.output: WASI stdout/stderr cannot be captured ${serve === undefined ? "on this runtime" : "under Extism's runInWorker (isolation.transport \"extism\")"}; the output is discarded.`] };
  }
  if (place !== "inline") {
    // Checked here as the worker will check it, so a bad mount is bad_input at install, not a failed instantiation.
    serve({ plugin, allowedPaths: wanted.allowedPaths }).close();
    const stdio = serve.stdio?.();
    return { worker: { plugin, adapter: await adapterFor(plugin, functions), output: wanted.output, allowedPaths: { ...wanted.allowedPaths }, ...(stdio === undefined ? {} : { stdio }) }, notes: [] };
  }
  const served = serve({
    plugin,
    allowedPaths: wanted.allowedPaths,
    ...(wanted.output ? { output: (stream: "stdout" | "stderr", line: string) => void logs.append(plugin, stream === "stdout" ? "info" : "warn", line, { wasi: stream }) } : {}),
  });
  try {
    const module = await adapterFor(plugin, functions);
    return { wasi: { adapter: { name: WASI_MODULE, module }, functions: servedFunctions(served, functions), served }, notes: [] };
  } catch (error) {
    served.close();
    throw error;
  }
}

/** A WASI function as Extism calls it: the call context (unused), then the guest's arguments; the WASI errno. */
export type ServedWasiFunction = (context: unknown, ...args: unknown[]) => number | undefined;

/** A served WASI's functions as Extism host functions for {@link SERVED_WASI_NAMESPACE} (a name it lacks answers ENOSYS). */
export function servedFunctions(served: ServedWasi, functions: readonly string[]): Record<string, ServedWasiFunction> {
  return Object.fromEntries(
    functions.map((name): [string, ServedWasiFunction] => {
      const fn = served.functions[name] as ((...args: unknown[]) => number | undefined) | undefined;
      return [name, (_context, ...args) => (fn === undefined ? 52 : fn(...args))];
    }),
  );
}

export { SERVED_WASI_NAMESPACE };
