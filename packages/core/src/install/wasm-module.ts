import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { suggest } from "@threadspace/manifest";
import { Host } from "@threadspace/host";
import { describeNotWasm } from "../limits/wasm-sections.ts";
import { METER_MODULE } from "../fuel/fuel-meter.ts";
import { WASI_VALUE_FUNCTIONS, WASI_VALUES_MODULE } from "../wasi/wasi-values-rewrite.ts";

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
    usesWasi: imports.some((i) => i.module === WASI_MODULE || i.module === WASI_VALUES_MODULE),
  };
}

/** An import no host serves, with the served name it most likely meant (`ts_kv_gte` → `ts_kv_get`). */
export interface UnservedImport {
  readonly module: string;
  readonly name: string;
  readonly kind: string;
  readonly suggestion?: string;
}

/**
 * The imports of a module that nothing serves: the Extism kernel, WASI preview 1, the fuel
 * meter's imports and, in `extism:host/user`, the host functions in `hostFunctions` are served.
 */
export function unservedImports(imports: ModuleShape["imports"], hostFunctions: ReadonlySet<string>, alsoServed?: (i: WebAssembly.ModuleImportDescriptor) => boolean): UnservedImport[] {
  const out: UnservedImport[] = [];
  for (const i of imports) {
    if (alsoServed?.(i) === true) continue;
    let served: ReadonlySet<string> | undefined;
    if (i.module === WASI_MODULE || (i.module === WASI_VALUES_MODULE && WASI_VALUE_FUNCTIONS.has(i.name))) {
      if (i.kind === "function") continue;
    } else if (i.kind === "function") {
      served = i.module === KERNEL_MODULE ? EXTISM_KERNEL : i.module === USER_MODULE ? hostFunctions : i.module === METER_MODULE ? METER_IMPORTS : undefined;
      if (served?.has(i.name) === true) continue;
    }
    const suggestion = served === undefined ? undefined : suggest(i.name, [...served]);
    out.push({ module: i.module, name: i.name, kind: i.kind, ...(suggestion === undefined ? {} : { suggestion }) });
  }
  return out;
}

/** `"module" "name" (kind)`, with `did you mean "..."?` when a served name is close. */
export function describeUnservedImport(i: UnservedImport): string {
  return `"${i.module}" "${i.name}" (${i.kind})${i.suggestion === undefined ? "" : `, did you mean "${i.suggestion}"?`}`;
}

/**
 * Throws `wasm_invalid` listing every import no host serves (with suggestions). `alsoServed`:
 * imports served besides the kernel, WASI and `ts_*` functions (an embedder's functions by any
 * name, exports of linked modules).
 */
export function checkImports(shape: ModuleShape, hostFunctions: ReadonlySet<string>, plugin: string, alsoServed?: (i: WebAssembly.ModuleImportDescriptor) => boolean): void {
  const unresolved = unservedImports(shape.imports, hostFunctions, alsoServed);
  if (unresolved.length === 0) return;
  const list = unresolved.map(describeUnservedImport).join("; ");
  throw new ThreadspaceError(
    "wasm_invalid",
    `the module imports what no host provides: ${list}. Plugins may import the Extism kernel ("${KERNEL_MODULE}"), WASI preview 1, the host functions in "${USER_MODULE}" that the engine defines (engine.defineHostApi, or engine.defineHostFunctions for any name and namespace), and exports of the modules plugin.json links ("modules"); define the missing functions before installing, build against the Threadspace PDK, or remove these imports.`,
    { plugin },
  );
}

/** The host functions every engine serves in `extism:host/user` (embedders may add more with `defineHostApi`). */
export function builtInHostFunctions(): ReadonlySet<string> {
  return new Host().importNames();
}
