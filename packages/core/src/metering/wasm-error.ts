import { ThreadspaceError } from "@threadspace/errors";

/** Where in a module a decoding problem is: the function (absolute index) and the byte offset in the file. */
export interface CodeLocation {
  readonly plugin?: string | undefined;
  /** Function index (imports included), when the problem is inside a function body. */
  readonly funcIndex?: number | undefined;
}

function where(at: CodeLocation, offset: number): string {
  return at.funcIndex === undefined ? `at byte ${offset}` : `in function ${at.funcIndex} at byte ${offset}`;
}

/** A `wasm_invalid` error for bytes the decoder cannot read: what, where, and what to do. */
export function malformedAt(at: CodeLocation, offset: number, what: string): ThreadspaceError {
  return new ThreadspaceError("wasm_invalid", `the WebAssembly module is malformed ${where(at, offset)}: ${what}. Is the file a complete module, built by a current toolchain?`, {
    plugin: at.plugin,
  });
}

/** A `wasm_invalid` error for a proposal the metering rewrite does not support. */
export function unsupportedAt(at: CodeLocation, offset: number, what: string): ThreadspaceError {
  return new ThreadspaceError(
    "wasm_invalid",
    `the metering rewrite cannot handle the WebAssembly module: ${what} ${where(at, offset)}. ` +
      `It supports the core spec with bulk memory, sign extension, non-trapping float-to-int, multi-value, reference types, SIMD, tail calls, threads, multi-memory and memory64; ` +
      `build the plugin without that feature (for example without -fwasm-exceptions, GC or typed function references).`,
    { plugin: at.plugin },
  );
}
