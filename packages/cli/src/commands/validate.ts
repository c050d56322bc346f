import { relative, resolve } from "node:path";
import type { CAC } from "cac";
import { describeModule, sha256Hex } from "@threadspace/core/tools";
import { MAX_MANIFEST_BYTES, safeParseManifest } from "@threadspace/manifest";
import { FileTooLargeError, MAX_WASM_BYTES, isNotFound, locateBundle, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_FAILURE, EXIT_OK, UsageError, displayPath, line, problemLine } from "../output.ts";
import { REQUIRED_EXPORTS, importProblem, missingWasmMessage, notWasmReason } from "../wasm-file.ts";

/** One problem: where in plugin.json (a JSON path) and what is wrong. */
interface Problem {
  readonly path: string;
  readonly message: string;
}

/** What the wasm checks need from the manifest (taken from the raw JSON when the manifest is invalid). */
interface WasmExpectations {
  readonly main: string;
  readonly hash: string | undefined;
  readonly interface: "threadspace" | "extism" | undefined;
  /** Names plugin.json's `exports` describes (each must be a wasm export). */
  readonly exports?: readonly string[];
}

function readJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For an invalid manifest, what the wasm checks can still use: fields without issues of their
 * own. `undefined` when `main` itself is unusable (the wasm is then not looked at).
 */
function expectationsFromRaw(bytes: Uint8Array, issues: readonly Problem[]): WasmExpectations | undefined {
  const raw = readJsonObject(bytes);
  const flagged = (field: string) => issues.some((issue) => issue.path === `$.${field}` || issue.path.startsWith(`$.${field}.`) || issue.path.startsWith(`$.${field}[`));
  if (raw === undefined || issues.some((issue) => issue.path === "$") || flagged("main")) return undefined;
  const { main = "plugin.wasm", hash, interface: kind = "threadspace" } = raw;
  if (typeof main !== "string") return undefined;
  return {
    main,
    hash: typeof hash === "string" && !flagged("hash") ? hash : undefined,
    interface: (kind === "threadspace" || kind === "extism") && !flagged("interface") ? kind : undefined,
  };
}

async function checkWasm(io: CliIo, dir: string, expect: WasmExpectations, hostFunctions: readonly string[]): Promise<Problem[]> {
  const wasmPath = resolve(dir, expect.main);
  const inside = relative(dir, wasmPath);
  if (inside.startsWith("..") || inside === "") return [{ path: "$.main", message: `"${expect.main}" is outside the bundle folder.` }];
  const shown = displayPath(io, wasmPath);
  let bytes: Uint8Array;
  try {
    bytes = await readFileCapped(wasmPath, MAX_WASM_BYTES, dir);
  } catch (error) {
    if (isNotFound(error)) return [{ path: "$.main", message: missingWasmMessage(expect.main, shown) }];
    if (error instanceof FileTooLargeError) return [{ path: "$.main", message: `${shown} is ${error.size} bytes, more than the ${MAX_WASM_BYTES} (64 MiB) an engine accepts by default.` }];
    return [{ path: "$.main", message: `cannot read ${shown}: ${error instanceof Error ? error.message : String(error)}.` }];
  }
  const problems: Problem[] = [];
  if (expect.hash !== undefined) {
    const actual = `sha256:${await sha256Hex(bytes)}`;
    if (actual !== expect.hash) {
      problems.push({
        path: "$.hash",
        message: `does not match ${shown}: plugin.json says ${expect.hash} but the file is ${actual}. If you rebuilt it, run "threadspace hash ${shown} --write ${displayPath(io, dir)}"; otherwise the file was changed or corrupted.`,
      });
    }
  }
  const notWasm = notWasmReason(bytes, shown);
  if (notWasm !== undefined) return [...problems, { path: "$.main", message: notWasm }];
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    return [...problems, { path: "$.main", message: `${shown} does not compile: ${cause instanceof Error ? cause.message : String(cause)}. Rebuild it with a current toolchain.` }];
  }
  const shape = describeModule(module);
  if (expect.interface !== undefined) {
    const missing = REQUIRED_EXPORTS[expect.interface].filter((name) => !shape.exports.includes(name));
    if (missing.length > 0) {
      const s = missing.length > 1 ? "s" : "";
      problems.push({
        path: "$.main",
        message: `${shown} lacks the export${s} ${missing.join(" and ")} that "interface": "${expect.interface}" requires. Export ${missing.length > 1 ? "them" : "it"} from the plugin, or set "interface": "extism" for a plain Extism plugin.`,
      });
    }
  }
  for (const name of expect.exports ?? []) {
    if (!shape.exports.includes(name)) problems.push({ path: `$.exports.${name}`, message: `describes "${name}", which ${shown} does not export. Export it from the plugin, or fix the name.` });
  }
  const imports = importProblem(shape.imports, shown, hostFunctions);
  if (imports !== undefined) problems.push({ path: "$.main", message: imports });
  return problems;
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** Host functions the embedder adds (`engine.defineHostApi`), accepted as imports besides the engine's own. */
  readonly hostFunctions?: readonly string[];
}

/**
 * `threadspace validate <dir|plugin.json>`: checks plugin.json and the wasm it names (exists,
 * matches `hash`, compiles, has the lifecycle exports its interface needs). Prints
 * `✓ <name>@<version> is valid`, or every problem as `<file>: <json path>: <message>`.
 */
export async function validate(io: CliIo, target: string, options: ValidateOptions = {}): Promise<number> {
  if (target.endsWith(".wasm")) throw new UsageError(`validate checks a plugin bundle (its folder or plugin.json), not a .wasm file. To look at ${target}, run "threadspace inspect ${target}".`, "validate");
  if (target.endsWith(".tsp")) throw new UsageError(`validate checks a plugin's folder or plugin.json. A .tsp is checked by "threadspace verify ${target}" (its entries, the wasm against plugin.json's hash, the signature); "threadspace inspect ${target}" shows what is inside.`, "validate");
  const { dir, manifestPath } = await locateBundle(io, target);
  const file = displayPath(io, manifestPath);
  const report = (problems: readonly Problem[]): number => {
    for (const problem of problems) line(io, problemLine(file, problem.path, problem.message));
    io.stderr(`✗ ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${file}\n`);
    return EXIT_FAILURE;
  };
  let bytes: Uint8Array;
  try {
    bytes = await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, dir);
  } catch (error) {
    if (isNotFound(error)) return report([{ path: "$", message: `there is no plugin.json in ${displayPath(io, dir)}. Pass a plugin's folder, or create plugin.json with at least "name" and "version".` }]);
    if (error instanceof FileTooLargeError) {
      return report([{ path: "$", message: `the file is ${error.size} bytes, more than the ${MAX_MANIFEST_BYTES} (64 KiB) accepted. Keep plugin.json small: move large data out of "config".` }]);
    }
    throw error;
  }
  const parsed = safeParseManifest(bytes, { source: file });
  const problems: Problem[] = [...parsed.issues];
  const expect = parsed.success ? { main: parsed.output.main, hash: parsed.output.hash, interface: parsed.output.interface, exports: Object.keys(parsed.output.exports ?? {}) } : expectationsFromRaw(bytes, problems);
  if (expect !== undefined) problems.push(...(await checkWasm(io, dir, expect, options.hostFunctions ?? [])));
  if (problems.length > 0 || !parsed.success) return report(problems);
  line(io, `✓ ${parsed.output.name}@${parsed.output.version} is valid`);
  return EXIT_OK;
}

/** Registers `validate` on the command line. */
export function defineValidate(cli: CAC, io: CliIo): void {
  cli
    .command("validate <bundle>", "Check plugin.json and its wasm (exists, hash, compiles, lifecycle exports); print every problem")
    .example("  $ threadspace validate examples/hello")
    .option("--host-function <name>", "A host function your embedder adds (defineHostApi), accepted as an import; repeat for more")
    .example("  $ threadspace validate path/to/plugin.json")
    .action((bundle: string, options: { hostFunction?: unknown }) => validate(io, bundle, { hostFunctions: hostFunctionList(options.hostFunction) }));
}

/** `--host-function` given once, several times, or not at all. */
export function hostFunctionList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
