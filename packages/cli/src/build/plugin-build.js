// @ts-check
/**
 * Compiles a plugin folder to its wasm: AssemblyScript (src/index.ts, with the asc API) or C
 * (src/*.c, with clang + lld for wasm32), then checks the module the way the engine will.
 * Shared by `threadspace build` and the repository's scripts/build-examples.mjs, so it is plain
 * JavaScript (checked by TypeScript through JSDoc) that Node runs without a loader.
 *
 * - AssemblyScript: `-O3 --runtime incremental` (the stub runtime never frees). Extism has no
 *   `env.abort`: every plugin gets the PDK's abort handler (a plugin that does not import
 *   "@threadspace/pdk-as" gets it through a virtual entry file that imports it). Packages
 *   ("@threadspace/pdk-as", "@extism/as-pdk") resolve from the plugin's own node_modules, then
 *   from the ones this CLI sees.
 * - C: `--target=wasm32-unknown-unknown -nostdlib`, `-I src -I <pdk-c>` so that
 *   `#include "threadspace.h"` finds the C PDK.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A build that failed for a reason the author can fix (the message says how). A compiler failure
 * also carries the compiler's command line, its diagnostics as printed, the folder its paths are
 * relative to, and a hint, so callers can show them their own way (build/diagnostics.ts).
 */
export class BuildError extends Error {
  /**
   * @param {string} message
   * @param {{ compiler: "asc" | "clang", command: string, diagnostics: string, baseDir: string, hint: string }} [details]
   */
  constructor(message, details) {
    super(message);
    this.name = "BuildError";
    this.details = details;
  }
}

/** @typedef {"assemblyscript" | "c"} PluginLanguage */

const PDK_AS_NAME = "@threadspace/pdk-as";
const PDK_AS_ABORT_USE = "abort=~lib/@threadspace/pdk-as/assembly/abort/threadspaceAbort";
/** An entry file that only loads the PDK's abort handler (for plugins that do not import the PDK). */
const VIRTUAL_ABORT = "__threadspace_abort.ts";
const VIRTUAL_ABORT_SOURCE = 'import "@threadspace/pdk-as/assembly/abort";\n';
const PDK_C_HEADER = "threadspace.h";
// -fno-builtin: without a libc there is no memcpy/memset, so clang must not turn copy loops into calls to them.
const CLANG_FLAGS = ["--target=wasm32-unknown-unknown", "-O2", "-std=c11", "-Wall", "-Wextra", "-nostdlib", "-fno-builtin", "-Wl,--no-entry", "-Wl,--export-dynamic", "-Wl,--strip-all"];
const ALLOWED_IMPORT_MODULES = new Set(["extism:host/env", "extism:host/user", "wasi_snapshot_preview1"]);
const REQUIRED_EXPORTS = ["init_plugin", "get_metadata"];
const require = createRequire(import.meta.url);

/**
 * Every file under `paths` (recursively, sorted), skipping missing ones.
 * @param {readonly string[]} paths
 * @returns {string[]}
 */
export function listFiles(paths) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} path */
  const walk = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else if (stat.isFile()) files.push(path);
  };
  for (const path of paths) walk(path);
  return files;
}

/**
 * Which compiler a plugin folder needs: AssemblyScript (asconfig.json or src/index.ts) or C (src/*.c).
 * @param {string} dir
 * @returns {PluginLanguage}
 */
export function languageOf(dir) {
  if (existsSync(join(dir, "asconfig.json")) || existsSync(join(dir, "src/index.ts"))) return "assemblyscript";
  if (cSources(dir).length > 0) return "c";
  throw new BuildError(`${dir}: no src/index.ts (AssemblyScript), asconfig.json or src/*.c (C): nothing to build. "threadspace init-plugin" creates a plugin to start from.`);
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function cSources(dir) {
  const src = join(dir, "src");
  return existsSync(src) ? readdirSync(src).filter((file) => file.endsWith(".c")).sort().map((file) => join(src, file)) : [];
}

/** Where this CLI finds the PDKs (the repository's workspace links, or installed packages). */
export const pdkPaths = {
  /** The folder holding threadspace.h. */
  get c() {
    return dirname(require.resolve("@threadspace/pdk-c/package.json"));
  },
  /** The folder holding the AssemblyScript PDK (its real path). */
  get assemblyscript() {
    return dirname(require.resolve(`${PDK_AS_NAME}/package.json`));
  },
};

/**
 * Whether the plugin uses a PDK, and the PDK files it then depends on (a change there rebuilds it).
 * @param {string} dir
 * @param {PluginLanguage} language
 * @returns {{ uses: boolean, inputs: string[] }}
 */
export function pdkOf(dir, language) {
  const sources = listFiles([join(dir, "src")]);
  if (language === "assemblyscript") {
    const importsPdk = /from\s+["']@threadspace\/pdk-as["']|import\s+["']@threadspace\/pdk-as["']/;
    const uses = sources.filter((file) => file.endsWith(".ts")).some((file) => importsPdk.test(readFileSync(file, "utf8")));
    const pdk = pdkPaths.assemblyscript;
    // Every AssemblyScript plugin compiles the PDK's abort handler in.
    return { uses, inputs: uses ? [join(pdk, "index.ts"), join(pdk, "assembly"), join(pdk, "package.json")] : [join(pdk, "assembly", "abort.ts"), join(pdk, "assembly", "io.ts")] };
  }
  const includesPdk = /#\s*include\s*["<]threadspace\.h[">]/;
  const uses = sources.filter((file) => file.endsWith(".c") || file.endsWith(".h")).some((file) => includesPdk.test(readFileSync(file, "utf8")));
  return { uses, inputs: uses ? [join(pdkPaths.c, PDK_C_HEADER)] : [] };
}

/**
 * The node_modules folders asc should search for packages, nearest first: the plugin's own,
 * then the ones this CLI resolves from (they hold the PDKs it was installed with).
 * @param {string} dir
 * @returns {string[]}
 */
function packagePaths(dir) {
  /** @type {string[]} */
  const paths = [];
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, "node_modules");
    if (existsSync(candidate)) paths.push(candidate);
    if (dirname(at) === at) break;
  }
  for (const candidate of require.resolve.paths(PDK_AS_NAME) ?? []) {
    if (existsSync(join(candidate, "@threadspace/pdk-as")) && !paths.includes(candidate)) paths.push(candidate);
  }
  return paths;
}

/** @type {any} */
let asc;

/**
 * Loads the AssemblyScript compiler with V8's baseline wasm compiler only (`--liftoff-only`) for
 * Binaryen's module, then turns the flag back off for every module compiled after it (plugins the
 * same process runs). Binaryen is ~10 MB of wasm that runs for a few seconds once: optimizing its
 * hot functions with TurboFan cost more CPU than it saved (a `-O3` build of the template took
 * half the CPU time without it; BENCHMARKS.md). Where V8's flags cannot be set, asc loads as it is.
 * @returns {Promise<any>}
 */
async function loadAsc() {
  const v8 = await import("node:v8").catch(() => undefined);
  /** @param {string} flag */
  const setFlag = (flag) => {
    try {
      v8?.setFlagsFromString(flag);
    } catch {
      // Not V8, or flags are frozen here: the default tiering stands.
    }
  };
  setFlag("--liftoff-only");
  try {
    return (await import("assemblyscript/asc")).default;
  } finally {
    setFlag("--no-liftoff-only");
  }
}

/**
 * Compiles an AssemblyScript plugin (src/index.ts) to `output`. Returns asc's warnings (empty if none).
 * @param {string} dir
 * @param {string} output
 * @param {boolean} usesPdk
 * @returns {Promise<string>}
 */
export async function compileAssemblyScript(dir, output, usesPdk) {
  asc ??= await loadAsc();
  const args = [
    "src/index.ts",
    ...(usesPdk ? [] : [VIRTUAL_ABORT]),
    "--baseDir",
    dir,
    "--outFile",
    relative(dir, output),
    "--use",
    PDK_AS_ABORT_USE,
    "-O3",
    "--runtime",
    "incremental",
    "--noColors",
  ];
  for (const path of packagePaths(dir)) args.push("--path", path);
  if (existsSync(join(dir, "asconfig.json"))) args.push("--config", "asconfig.json");
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const result = await asc.main(args, {
    stdout,
    stderr,
    /** @param {string} name @param {string} baseDir */
    readFile(name, baseDir) {
      if (name === VIRTUAL_ABORT) return VIRTUAL_ABORT_SOURCE;
      try {
        return readFileSync(join(baseDir, name), "utf8");
      } catch {
        return null;
      }
    },
  });
  const diagnostics = stderr.toString().trim();
  if (result.error) {
    const hint = /Module '@threadspace\/pdk-as'|File '~lib\/@/.test(diagnostics) ? `\nA package could not be found: install it next to the plugin (npm install --save-dev ${PDK_AS_NAME} @extism/as-pdk).` : "";
    throw new BuildError(`asc ${args.join(" ")}\n${diagnostics || result.error.message}${hint}`, { compiler: "asc", command: `asc ${args.join(" ")}`, diagnostics: diagnostics || result.error.message, baseDir: dir, hint });
  }
  // Keep warnings, not the INFO notes asc prints for every build.
  return /\bWARNING\b/.test(diagnostics) ? diagnostics : "";
}

let clangChecked = false;

/**
 * Compiles a C plugin (src/*.c) to `output` with clang. Returns clang's warnings (empty if none).
 * @param {string} dir
 * @param {string} output
 * @returns {string}
 */
export function compileC(dir, output) {
  if (!clangChecked) {
    const probe = spawnSync("clang", ["--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) throw new BuildError("clang is not installed (C plugins need clang and lld for wasm32). Install them, e.g. apt-get install -y clang lld");
    clangChecked = true;
  }
  const args = [...CLANG_FLAGS, `-I${join(dir, "src")}`, `-I${pdkPaths.c}`, "-o", output, ...cSources(dir)];
  const run = spawnSync("clang", args, { encoding: "utf8" });
  const diagnostics = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (run.error || run.status !== 0) {
    const hint = /unable to execute command|wasm-ld.*(not found|No such file)|invalid linker name/.test(diagnostics)
      ? "\nThe wasm linker is missing: apt-get install -y lld"
      : /undefined symbol: (memcpy|memset|memmove)/.test(diagnostics)
        ? "\nThere is no libc: copy with a loop instead of memcpy/memset, or avoid struct copies."
        : "";
    throw new BuildError(`clang ${args.join(" ")}\n${diagnostics || run.error?.message}${hint}`, { compiler: "clang", command: `clang ${args.join(" ")}`, diagnostics: diagnostics || String(run.error?.message), baseDir: dir, hint });
  }
  return diagnostics;
}

/**
 * Checks what the engine will check, so that a bad build fails here rather than at install:
 * the module compiles, imports only Extism/WASI modules, and a `"threadspace"` plugin exports
 * init_plugin and get_metadata and embeds plugin.json's name and version (get_metadata must
 * report them; C keeps string literals as UTF-8, AssemblyScript as UTF-16LE).
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @param {{ name?: unknown, version?: unknown, interface?: unknown }} manifest
 */
export function checkModule(bytes, manifest) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (error) {
    throw new BuildError(`the built module does not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
  const badImports = WebAssembly.Module.imports(module).filter((entry) => !ALLOWED_IMPORT_MODULES.has(entry.module));
  if (badImports.length > 0) {
    const list = badImports.map((entry) => `${entry.module}.${entry.name}`).join(", ");
    throw new BuildError(`the module imports ${list}, which Extism does not provide (an AssemblyScript env.abort means no abort handler was applied)`);
  }
  if ((manifest.interface ?? "threadspace") !== "threadspace") return;
  const exported = new Set(WebAssembly.Module.exports(module).filter((entry) => entry.kind === "function").map((entry) => entry.name));
  const missing = REQUIRED_EXPORTS.filter((name) => !exported.has(name));
  if (missing.length > 0) throw new BuildError(`"interface": "threadspace" needs the exports ${REQUIRED_EXPORTS.join(" and ")}; missing: ${missing.join(", ")}`);
  const buffer = Buffer.from(bytes);
  const texts = [buffer.toString("latin1"), buffer.toString("utf16le"), buffer.subarray(1).toString("utf16le")];
  for (const field of /** @type {const} */ (["name", "version"])) {
    const value = String(manifest[field]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`"${field}"\\s*:\\s*"${value}"`);
    if (!texts.some((text) => pattern.test(text))) {
      throw new BuildError(`the module does not contain "${field}":"${String(manifest[field])}" from plugin.json; get_metadata must report the same ${field} (update the metadata string in src/)`);
    }
  }
}

/**
 * True when `output` exists and is newer than every file under `inputs`.
 * @param {string} output
 * @param {readonly string[]} inputs
 */
export function isUpToDate(output, inputs) {
  let built;
  try {
    built = statSync(output).mtimeMs;
  } catch {
    return false;
  }
  return listFiles(inputs).every((file) => statSync(file).mtimeMs < built);
}

/**
 * The files a build of `dir` reads (a change in any of them makes the wasm stale).
 * @param {string} dir
 * @param {{ inputs: string[] }} pdk
 * @returns {string[]}
 */
export function buildInputs(dir, pdk) {
  return [join(dir, "src"), join(dir, "plugin.json"), join(dir, "asconfig.json"), fileURLToPath(import.meta.url), ...pdk.inputs];
}

/**
 * Compiles the plugin in `dir` to `output` and checks it against `manifest`.
 * @param {string} dir
 * @param {string} output
 * @param {{ name?: unknown, version?: unknown, interface?: unknown }} manifest
 * @returns {Promise<{ language: PluginLanguage, usesPdk: boolean, bytes: Uint8Array<ArrayBuffer>, warnings: string }>}
 */
export async function compilePlugin(dir, output, manifest) {
  const real = realpathSync(dir);
  const language = languageOf(real);
  const pdk = pdkOf(real, language);
  const warnings = language === "assemblyscript" ? await compileAssemblyScript(real, output, pdk.uses) : compileC(real, output);
  const bytes = new Uint8Array(readFileSync(output));
  checkModule(bytes, manifest);
  return { language, usesPdk: pdk.uses, bytes, warnings };
}
