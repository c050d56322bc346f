import { ThreadspaceError } from "@threadspace/errors";
import { WASI_SIGNATURES } from "./wasi-signatures.ts";

/** The import namespace of WASI preview 1. */
export const WASI_MODULE = "wasi_snapshot_preview1";
/** Where the adapter imports the engine's own WASI functions from (served through Extism's `functions`). */
export const SERVED_WASI_NAMESPACE = "threadspace:wasi";

const I32 = 0x7f;
const I64 = 0x7e;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, entries: number[][]): number[] {
  const body = [...leb(entries.length), ...entries.flat()];
  return [id, ...leb(body.length), ...body];
}

/**
 * The bytes of a module that imports each named WASI function from {@link SERVED_WASI_NAMESPACE}
 * and exports it unchanged under its own name. Linked under the name `wasi_snapshot_preview1`
 * (as Extism links a manifest's named modules), it lets the engine serve WASI itself instead of
 * @extism/extism's WASI, whose output cannot reach a log and whose mounts cannot be read-only.
 */
export function wasiAdapterBytes(plugin: string, functions: readonly string[]): Uint8Array {
  const types: number[][] = [];
  const imports: number[][] = [];
  const exports: number[][] = [];
  functions.forEach((fn, index) => {
    const signature = WASI_SIGNATURES[fn];
    if (signature === undefined) throw new ThreadspaceError("wasm_invalid", `imports "${WASI_MODULE}" "${fn}", which is not a WASI preview 1 function.`, { plugin });
    const params = [...signature.params].map((p) => (p === "I" ? I64 : I32));
    types.push([0x60, ...leb(params.length), ...params, ...(signature.returns ? [1, I32] : [0])]);
    imports.push([...name(SERVED_WASI_NAMESPACE), ...name(fn), 0x00, ...leb(index)]);
    exports.push([...name(fn), 0x00, ...leb(index)]);
  });
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports), ...section(7, exports)]);
}

/** The WASI functions a set of imports uses. */
export function wasiFunctions(imports: readonly WebAssembly.ModuleImportDescriptor[]): string[] {
  return [...new Set(imports.filter((i) => i.module === WASI_MODULE && i.kind === "function").map((i) => i.name))].sort();
}
