#!/usr/bin/env node
// Builds every example plugin in examples/ to its plugin.wasm (`npm run build:examples`), and
// the PDKs' test plugins (packages/pdk-as/tests/fixtures/*, packages/pdk-c/tests/fixtures/*).
//
//   node scripts/build-examples.mjs [--force] [name ...]
//
// - AssemblyScript (the example has asconfig.json or src/index.ts): compiled in-process with the
//   asc API, `-O3 --runtime incremental`, with scripts/lib/as-abort.ts as the abort handler
//   (Extism provides no `env.abort`). An asconfig.json in the example is passed with --config.
//   A plugin that imports "@threadspace/pdk-as" (packages/pdk-as, linked into node_modules by
//   the npm workspace) uses the PDK's own abort handler instead.
// - C (src/*.c): Debian clang 14 + lld, wasm32-unknown-unknown, no libc, with
//   `-I packages/pdk-c` so that `#include "threadspace.h"` finds the C PDK.
// Incremental: a plugin is skipped when its wasm is newer than its src/, plugin.json,
// asconfig.json, this script, scripts/lib/ and, when it uses a PDK, that PDK's sources.
// `--force` rebuilds everything.
// Each built module is checked: it compiles, imports only Extism/WASI modules, and (for
// "interface": "threadspace") exports init_plugin and get_metadata and embeds the name and
// version of plugin.json (get_metadata must report them).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isUpToDate, listFiles, parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const USAGE = "usage: node scripts/build-examples.mjs [--force] [example-name ...]";
const EXAMPLES_DIR = join(repoRoot, "examples");
/** Directories whose subdirectories with a plugin.json are built: the examples, then the PDKs' test plugins. */
const PLUGIN_ROOTS = [EXAMPLES_DIR, join(repoRoot, "packages/pdk-as/tests/fixtures"), join(repoRoot, "packages/pdk-c/tests/fixtures")];
const SCRIPT_INPUTS = [fileURLToPath(import.meta.url), join(repoRoot, "scripts/lib")];
const AS_ABORT = "scripts/lib/as-abort.ts";
const AS_ABORT_USE = "abort=scripts/lib/as-abort/threadspaceAbort";
// The AssemblyScript PDK: imported as "@threadspace/pdk-as" (asc finds node_modules/<name>/index.ts).
const PDK_AS_NAME = "@threadspace/pdk-as";
const PDK_AS_DIR = join(repoRoot, "packages/pdk-as");
const PDK_AS_INPUTS = [join(PDK_AS_DIR, "index.ts"), join(PDK_AS_DIR, "assembly"), join(PDK_AS_DIR, "package.json")];
const PDK_AS_ABORT_USE = "abort=~lib/@threadspace/pdk-as/assembly/abort/threadspaceAbort";
// The C PDK: one header, found through -I.
const PDK_C_DIR = join(repoRoot, "packages/pdk-c");
const PDK_C_HEADER = "threadspace.h";
const CLANG_FLAGS = [
  "--target=wasm32-unknown-unknown",
  "-O2",
  "-std=c11",
  "-Wall",
  "-Wextra",
  "-nostdlib",
  "-Wl,--no-entry",
  "-Wl,--export-dynamic",
  "-Wl,--strip-all",
];
const ALLOWED_IMPORT_MODULES = new Set(["extism:host/env", "extism:host/user", "wasi_snapshot_preview1"]);
const REQUIRED_EXPORTS = ["init_plugin", "get_metadata"];

class BuildError extends Error {}

process.chdir(repoRoot); // asc resolves entry files and --use paths against the working directory
const options = parseArgs(process.argv.slice(2), USAGE);

/** name -> directory, for every plugin under PLUGIN_ROOTS (the directory name is the plugin's build name). */
const pluginDirs = new Map();
for (const root of PLUGIN_ROOTS) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, "plugin.json"))) continue;
    if (pluginDirs.has(name)) {
      console.error(`two plugins are named ${name}: ${rel(pluginDirs.get(name))} and ${rel(dir)}; rename one directory`);
      process.exit(2);
    }
    pluginDirs.set(name, dir);
  }
}
const examples = [...pluginDirs.keys()];
for (const name of options.names) {
  if (!pluginDirs.has(name)) {
    console.error(`no example named ${name} (examples and PDK test plugins: ${examples.join(", ")})`);
    process.exit(2);
  }
}
const selected = options.names.length > 0 ? examples.filter((name) => options.names.includes(name)) : examples;

let asc; // loaded on first use: skipping everything stays fast
let clangChecked = false;
let failures = 0;
const started = performance.now();
console.log(`build:examples (${selected.length} in ${[...new Set(selected.map((name) => rel(dirname(pluginDirs.get(name)))))].join("/, ")}/)`);

for (const name of selected) {
  const dir = pluginDirs.get(name);
  const t0 = performance.now();
  try {
    const manifest = readManifest(dir);
    const kind = languageOf(dir);
    const output = join(dir, manifest.main ?? "plugin.wasm");
    const pdk = pdkOf(dir, kind);
    const inputs = [join(dir, "src"), join(dir, "plugin.json"), join(dir, "asconfig.json"), ...SCRIPT_INPUTS, ...pdk.inputs];
    if (!options.force && isUpToDate(output, inputs)) {
      console.log(reportLine("skipped", name, { size: statSync(output).size, note: "up to date" }));
      continue;
    }
    try {
      if (kind === "assemblyscript") await buildAssemblyScript(dir, output, pdk.uses);
      else buildC(dir, output);
      checkModule(readFileSync(output), manifest);
    } catch (error) {
      rmSync(output, { force: true }); // never leave a stale or bad wasm behind
      throw error;
    }
    const note = pdk.uses ? `${kind} + ${kind === "c" ? "pdk-c" : "pdk-as"}` : kind;
    console.log(reportLine("built", name, { size: statSync(output).size, ms: performance.now() - t0, note }));
  } catch (error) {
    failures++;
    console.log(reportLine("FAILED", name, { ms: performance.now() - t0 }));
    console.error(error instanceof BuildError ? error.message : error);
  }
}

const total = `${Math.round(performance.now() - started)} ms`;
if (failures > 0) {
  console.error(`build:examples: ${failures} example(s) failed (${total})`);
  process.exit(1);
}
console.log(`build:examples: done in ${total}`);

function readManifest(dir) {
  const path = join(dir, "plugin.json");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new BuildError(`${rel(path)}: ${error.message}`);
  }
}

function languageOf(dir) {
  if (existsSync(join(dir, "asconfig.json")) || existsSync(join(dir, "src/index.ts"))) return "assemblyscript";
  if (cSources(dir).length > 0) return "c";
  throw new BuildError(`${rel(dir)}: no src/index.ts, asconfig.json or src/*.c: nothing to build`);
}

/** Every file under src/ with one of the extensions. */
function sourceFiles(dir, extensions) {
  return listFiles([join(dir, "src")]).filter((file) => extensions.some((ext) => file.endsWith(ext)));
}

/**
 * Whether the plugin uses a PDK, and the PDK files it then depends on (so that a change in the
 * PDK rebuilds it). AssemblyScript: an import from "@threadspace/pdk-as". C: an
 * `#include "threadspace.h"` (or <threadspace.h>).
 */
function pdkOf(dir, kind) {
  if (kind === "assemblyscript") {
    const importsPdk = new RegExp(`from\\s+["']${PDK_AS_NAME}["']|import\\s+["']${PDK_AS_NAME}["']`);
    const uses = sourceFiles(dir, [".ts"]).some((file) => importsPdk.test(readFileSync(file, "utf8")));
    return { uses, inputs: uses ? PDK_AS_INPUTS : [] };
  }
  const includesPdk = new RegExp(`#\\s*include\\s*["<]${PDK_C_HEADER.replace(".", "\\.")}[">]`);
  const uses = sourceFiles(dir, [".c", ".h"]).some((file) => includesPdk.test(readFileSync(file, "utf8")));
  return { uses, inputs: uses ? [join(PDK_C_DIR, PDK_C_HEADER)] : [] };
}

/** Checks that asc will resolve "@threadspace/pdk-as" to packages/pdk-as (the npm workspace link). */
function checkPdkLink() {
  const linked = join(repoRoot, "node_modules", PDK_AS_NAME);
  let real;
  try {
    real = realpathSync(linked);
  } catch {
    real = undefined;
  }
  if (real !== realpathSync(PDK_AS_DIR)) {
    throw new BuildError(
      `${rel(linked)} ${real === undefined ? "is missing" : `points at ${real}`}; it must be the npm workspace link to ${rel(PDK_AS_DIR)}. Run npm install.`,
    );
  }
}

function cSources(dir) {
  const src = join(dir, "src");
  return existsSync(src) ? readdirSync(src).filter((f) => f.endsWith(".c")).sort().map((f) => join(src, f)) : [];
}

async function buildAssemblyScript(dir, output, usesPdk) {
  if (usesPdk) checkPdkLink();
  asc ??= (await import("assemblyscript/asc")).default;
  const args = [
    rel(join(dir, "src/index.ts")),
    // The PDK brings its own abort handler (same approach); other plugins get scripts/lib's.
    ...(usesPdk ? [] : [AS_ABORT]),
    "--outFile",
    rel(output),
    "--use",
    usesPdk ? PDK_AS_ABORT_USE : AS_ABORT_USE,
    "-O3",
    "--runtime",
    "incremental", // the stub runtime never frees: a plugin grew to 128 MiB over 220k calls
    "--noColors",
  ];
  if (existsSync(join(dir, "asconfig.json"))) args.push("--config", rel(join(dir, "asconfig.json")));
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const result = await asc.main(args, { stdout, stderr });
  const diagnostics = stderr.toString().trim();
  if (result.error) {
    throw new BuildError(`asc ${args.join(" ")}\n${diagnostics || result.error.message}`);
  }
  // Show warnings, not the INFO notes asc prints for every build.
  if (/\bWARNING\b/.test(diagnostics)) console.warn(diagnostics);
}

function buildC(dir, output) {
  if (!clangChecked) {
    const probe = spawnSync("clang", ["--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) {
      throw new BuildError(
        "clang is not installed (C examples need clang and lld for wasm32).\n" +
          "Install them with: apt-get install -y clang lld",
      );
    }
    clangChecked = true;
  }
  const args = [...CLANG_FLAGS, `-I${rel(join(dir, "src"))}`, `-I${rel(PDK_C_DIR)}`, "-o", rel(output), ...cSources(dir).map(rel)];
  const run = spawnSync("clang", args, { encoding: "utf8" });
  const diagnostics = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (run.error || run.status !== 0) {
    const hint = /wasm-ld/.test(diagnostics) ? "\nThe wasm linker is missing: apt-get install -y lld" : "";
    throw new BuildError(`clang ${args.join(" ")}\n${diagnostics || run.error?.message}${hint}`);
  }
  if (diagnostics) console.warn(diagnostics);
}

/** Checks what the engine will check, so that a bad build fails here rather than at install. */
function checkModule(bytes, manifest) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (error) {
    throw new BuildError(`the built module does not compile: ${error.message}`);
  }
  const badImports = WebAssembly.Module.imports(module).filter((i) => !ALLOWED_IMPORT_MODULES.has(i.module));
  if (badImports.length > 0) {
    const list = badImports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new BuildError(`the module imports ${list}, which Extism does not provide (an AssemblyScript env.abort means the --use abort=... handler was not applied)`);
  }
  if ((manifest.interface ?? "threadspace") !== "threadspace") return;
  const exports = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((name) => !exports.has(name));
  if (missing.length > 0) {
    throw new BuildError(`"interface": "threadspace" needs the exports ${REQUIRED_EXPORTS.join(" and ")}; missing: ${missing.join(", ")}`);
  }
  // get_metadata must report plugin.json's name and version: look for them in the data
  // (C keeps string literals as UTF-8, AssemblyScript as UTF-16LE).
  const buffer = Buffer.from(bytes);
  const texts = [buffer.toString("latin1"), buffer.toString("utf16le"), buffer.subarray(1).toString("utf16le")];
  for (const field of ["name", "version"]) {
    const value = String(manifest[field]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`"${field}"\\s*:\\s*"${value}"`);
    if (!texts.some((text) => pattern.test(text))) {
      throw new BuildError(
        `the module does not contain "${field}":"${manifest[field]}" from plugin.json; get_metadata must report the same ${field} (update the METADATA string in src/)`,
      );
    }
  }
}
