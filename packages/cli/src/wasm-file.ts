import { builtInHostFunctions, describeNotWasm, describeUnservedImport, unservedImports } from "@threadspace/core/tools";
import { ThreadspaceError } from "@threadspace/errors";
import { hasWasmMagic } from "./files.ts";

/** Lifecycle exports each plugin interface requires (as the engine checks them at install). */
export const REQUIRED_EXPORTS: Readonly<Record<"threadspace" | "extism", readonly string[]>> = {
  threadspace: ["init_plugin", "get_metadata"],
  extism: [],
};

/**
 * What is wrong with a module's imports for the engine this CLI ships (the same check as the
 * engine's install): imports no host serves, each with the served name it most likely meant
 * (`ts_kv_gte` → did you mean "ts_kv_get"?). `extraHostFunctions`: an embedder's own host
 * functions (`defineHostApi`), which the CLI cannot know. `undefined` when every import is served.
 */
export function importProblem(imports: readonly WebAssembly.ModuleImportDescriptor[], shown: string, extraHostFunctions: readonly string[] = []): string | undefined {
  const served = new Set([...builtInHostFunctions(), ...extraHostFunctions]);
  const unserved = unservedImports(imports, served);
  if (unserved.length === 0) return undefined;
  const custom = unserved.some((i) => i.module === "extism:host/user" && i.suggestion === undefined)
    ? ` If your host adds these with engine.defineHostApi, name them with --host-function <name>.`
    : "";
  return `${shown} imports what no Threadspace host serves: ${unserved.map(describeUnservedImport).join("; ")}. Plugins may import the Extism kernel ("extism:host/env"), WASI preview 1 and the engine's host functions ("extism:host/user"): fix the name, or build against the Threadspace PDK.${custom}`;
}

/** Why `bytes` are not a WebAssembly module binary, or `undefined` when they start like one. */
export function notWasmReason(bytes: Uint8Array, shown: string): string | undefined {
  if (hasWasmMagic(bytes)) return undefined;
  return `${shown} is not a WebAssembly module (${describeNotWasm(bytes)}; a module starts with "00 61 73 6d"): point at the compiled .wasm, not at source or text.`;
}

/** Compiles wasm bytes; throws `wasm_invalid` saying why they are not a usable module. */
export async function compileWasmFile(bytes: Uint8Array, shown: string): Promise<WebAssembly.Module> {
  const notWasm = notWasmReason(bytes, shown);
  if (notWasm !== undefined) throw new ThreadspaceError("wasm_invalid", notWasm);
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    throw new ThreadspaceError("wasm_invalid", `${shown} does not compile: ${cause instanceof Error ? cause.message : String(cause)}. Rebuild it with a current toolchain.`, { cause });
  }
}

/** The message for a `main` wasm that does not exist yet. */
export function missingWasmMessage(main: string, shownPath: string): string {
  return `"${main}" does not exist (looked for ${shownPath}). Build the plugin first ("npm run build:examples" builds this repository's examples; otherwise run your PDK's build), or fix "main".`;
}
