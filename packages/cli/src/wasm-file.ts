import { describeNotWasm } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import { hasWasmMagic } from "./files.ts";

/** Lifecycle exports each plugin interface requires (as the engine checks them at install). */
export const REQUIRED_EXPORTS: Readonly<Record<"threadspace" | "extism", readonly string[]>> = {
  threadspace: ["init_plugin", "get_metadata"],
  extism: [],
};

/** Import namespaces a Threadspace host can serve: the Extism kernel, host functions, WASI preview 1. */
export const SERVED_IMPORT_MODULES: readonly string[] = ["extism:host/env", "extism:host/user", "wasi_snapshot_preview1"];

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
