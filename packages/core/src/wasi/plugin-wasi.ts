import { ThreadspaceError } from "@threadspace/errors";
import type { ExtismHostFunction, LogStore } from "@threadspace/host";
import type { ServeWasi, ServedWasi } from "./served-wasi.ts";
import { WASI_MODULE, SERVED_WASI_NAMESPACE, wasiAdapterBytes, wasiFunctions } from "./wasi-adapter.ts";
import { notServed, type PluginWasi } from "./wasi-options.ts";

/** A plugin's WASI served by the engine: the adapter to link, the functions it imports, and the WASI behind them. */
export interface EngineWasi {
  /** Linked under `wasi_snapshot_preview1` in Extism's wasm list (instead of Extism's own WASI). */
  readonly adapter: { readonly name: string; readonly module: WebAssembly.Module };
  /** Extism-style functions for {@link SERVED_WASI_NAMESPACE}. */
  readonly functions: Record<string, ExtismHostFunction>;
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

/**
 * Decides who serves a plugin's WASI. Extism's (nothing mounted, output discarded) unless the
 * embedder asked for output or mounts (`createEngine({ wasi })`); then, in Node and on the
 * engine's thread, the engine's own. Mounts that cannot be served fail the start with
 * `bad_input`; output that cannot be captured gives a note and is discarded.
 */
export async function engineWasi(
  plugin: string,
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  wanted: PluginWasi | undefined,
  serve: ServeWasi | undefined,
  logs: LogStore,
  mode: "inline" | "worker" | "pool",
): Promise<{ readonly wasi?: EngineWasi; readonly notes: readonly string[] }> {
  const functions = wasiFunctions(imports);
  if (functions.length === 0 || wanted === undefined) return { notes: [] };
  const mounts = Object.keys(wanted.allowedPaths).length > 0;
  if (!wanted.output && !mounts) return { notes: [] };
  if (mounts && serve === undefined) throw notServed(plugin);
  if (mounts && mode !== "inline") {
    throw new ThreadspaceError("bad_input", `wasi.allowedPaths is served only to plugins running on the engine's thread; this one runs in a ${mode}. Use limits.isolation "inline" for it, or grant it no mount.`, { plugin });
  }
  if (serve === undefined || mode !== "inline") {
    return { notes: [`wasi.output: WASI stdout/stderr cannot be captured ${serve === undefined ? "on this runtime" : `in a ${mode}`}; the output is discarded.`] };
  }
  const served = serve({
    plugin,
    allowedPaths: wanted.allowedPaths,
    ...(wanted.output ? { output: (stream: "stdout" | "stderr", line: string) => void logs.append(plugin, stream === "stdout" ? "info" : "warn", line, { wasi: stream }) } : {}),
  });
  try {
    const module = await adapterFor(plugin, functions);
    const wrapped = Object.fromEntries(functions.map((name) => {
      const fn = served.functions[name] as ((...args: unknown[]) => number | undefined) | undefined;
      return [name, (_context: unknown, ...args: unknown[]) => (fn === undefined ? 52 : fn(...args))];
    })) as unknown as Record<string, ExtismHostFunction>;
    return { wasi: { adapter: { name: WASI_MODULE, module }, functions: wrapped, served }, notes: [] };
  } catch (error) {
    served.close();
    throw error;
  }
}

export { SERVED_WASI_NAMESPACE };
