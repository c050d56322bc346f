import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { describeNotWasm } from "../limits/wasm-sections.ts";
import { METER_MODULE } from "../fuel/fuel-meter.ts";

/** The kernel functions @extism/extism 2.0.0-rc13 provides in `extism:host/env` (read from its CallContext). */
const EXTISM_KERNEL = new Set([
  "alloc", "free", "length", "length_unsafe", "load_u8", "load_u64", "store_u8", "store_u64",
  "input_offset", "input_length", "input_load_u8", "input_load_u64", "output_set", "error_set", "error_get",
  "config_get", "var_get", "var_set", "http_request", "http_status_code", "http_headers",
  "log_trace", "log_debug", "log_info", "log_warn", "log_error", "get_log_level",
]);
const KERNEL_MODULE = "extism:host/env";
const USER_MODULE = "extism:host/user";
const WASI_MODULE = "wasi_snapshot_preview1";
/** What a metered module imports (docs/metering.md); served by the fuel meter. */
const METER_IMPORTS = new Set(["refuel", "grow_refused"]);
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** The smallest valid module (magic and version): a runtime that refuses to compile it compiles nothing. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
let compilesAtRunTime: Promise<boolean> | undefined;

/**
 * Whether this runtime compiles WebAssembly from bytes at all (workerd forbids it: "Wasm code
 * generation disallowed by embedder"). Told by what it does with the empty module, once, not by
 * the wording of its error.
 */
export function runtimeCompiles(): Promise<boolean> {
  compilesAtRunTime ??= WebAssembly.compile(EMPTY_MODULE).then(
    () => true,
    () => false,
  );
  return compilesAtRunTime;
}

/** What a module exports and imports, read without instantiating it. */
export interface ModuleShape {
  /** Exported function names. */
  readonly exports: readonly string[];
  readonly imports: readonly WebAssembly.ModuleImportDescriptor[];
  /** True when it imports WASI preview 1 (served with nothing mounted, no env, no args). */
  readonly usesWasi: boolean;
}

/** Throws `wasm_invalid` unless the bytes start like a WebAssembly module. */
export function assertWasmMagic(bytes: Uint8Array, plugin: string): void {
  if (bytes.byteLength < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ThreadspaceError(
      "wasm_invalid",
      `the file is not a WebAssembly module (${describeNotWasm(bytes)}; a module starts with "00 61 73 6d"). Point "main" at the compiled .wasm, not at source or text.`,
      { plugin },
    );
  }
}

/** Compiles wasm bytes, turning a failure into `wasm_invalid` with the engine's reason. */
export async function compileWasm(bytes: Uint8Array, plugin: string): Promise<WebAssembly.Module> {
  assertWasmMagic(bytes, plugin);
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    if (!(await runtimeCompiles())) {
      throw new ThreadspaceError(
        "source_invalid",
        `this runtime does not compile WebAssembly at run time (${messageOf(cause)}), as in workerd / Cloudflare Workers. Install a precompiled WebAssembly.Module instead of bytes or a URL: import the .wasm in your worker (wrangler's CompiledWasm module rule) and pass install({ manifest, wasm: module }).`,
        { plugin, cause },
      );
    }
    throw new ThreadspaceError("wasm_invalid", `the WebAssembly module does not compile: ${messageOf(cause)}. Rebuild it with a current toolchain.`, { plugin, cause });
  }
}

/** Lists a compiled module's function exports and its imports. */
export function describeModule(module: WebAssembly.Module): ModuleShape {
  const imports = WebAssembly.Module.imports(module);
  return {
    exports: WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name),
    imports,
    usesWasi: imports.some((i) => i.module === WASI_MODULE),
  };
}

/**
 * Checks that every import can be served: the Extism kernel, WASI, or a host function in
 * `hostFunctions` (namespace `extism:host/user`). Throws `wasm_invalid` listing every unresolved import.
 */
export function checkImports(shape: ModuleShape, hostFunctions: ReadonlySet<string>, plugin: string): void {
  const unresolved = shape.imports.filter((i) => {
    if (i.module === WASI_MODULE) return i.kind !== "function";
    if (i.kind !== "function") return true;
    if (i.module === KERNEL_MODULE) return !EXTISM_KERNEL.has(i.name);
    if (i.module === USER_MODULE) return !hostFunctions.has(i.name);
    if (i.module === METER_MODULE) return !METER_IMPORTS.has(i.name);
    return true;
  });
  if (unresolved.length === 0) return;
  const list = unresolved.map((i) => `"${i.module}" "${i.name}" (${i.kind})`).join(", ");
  throw new ThreadspaceError(
    "wasm_invalid",
    `the module imports what no host provides: ${list}. Plugins may import the Extism kernel ("${KERNEL_MODULE}"), WASI preview 1, and the host functions in "${USER_MODULE}" that the engine defines; build against the Threadspace PDK or remove these imports.`,
    { plugin },
  );
}
