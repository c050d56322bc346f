#!/usr/bin/env node
// Builds every example plugin in examples/ to its plugin.wasm (`npm run build:examples`).
//
//   node scripts/build-examples.mjs [--force] [name ...]
//
// - AssemblyScript (the example has asconfig.json or src/index.ts): compiled in-process with the
//   asc API, `-O3 --runtime incremental`, with scripts/lib/as-abort.ts as the abort handler
//   (Extism provides no `env.abort`). An asconfig.json in the example is passed with --config.
// - C (src/*.c): Debian clang 14 + lld, wasm32-unknown-unknown, no libc.
// Incremental: an example is skipped when its wasm is newer than its src/, plugin.json,
// asconfig.json, this script and scripts/lib/. `--force` rebuilds everything.
// Each built module is checked: it compiles, imports only Extism/WASI modules, and (for
// "interface": "threadspace") exports init_plugin and get_metadata and embeds the name and
// version of plugin.json (get_metadata must report them).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isUpToDate, parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const USAGE = "usage: node scripts/build-examples.mjs [--force] [example-name ...]";
const EXAMPLES_DIR = join(repoRoot, "examples");
const SCRIPT_INPUTS = [fileURLToPath(import.meta.url), join(repoRoot, "scripts/lib")];
const AS_ABORT = "scripts/lib/as-abort.ts";
const AS_ABORT_USE = "abort=scripts/lib/as-abort/threadspaceAbort";
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

const examples = readdirSync(EXAMPLES_DIR)
  .filter((name) => statSync(join(EXAMPLES_DIR, name)).isDirectory() && existsSync(join(EXAMPLES_DIR, name, "plugin.json")))
  .sort();
for (const name of options.names) {
  if (!examples.includes(name)) {
    console.error(`no example named ${name} (examples: ${examples.join(", ")})`);
    process.exit(2);
  }
}
const selected = options.names.length > 0 ? examples.filter((name) => options.names.includes(name)) : examples;

let asc; // loaded on first use: skipping everything stays fast
let clangChecked = false;
let failures = 0;
const started = performance.now();
console.log(`build:examples (${selected.length} in ${rel(EXAMPLES_DIR)}/)`);

for (const name of selected) {
  const dir = join(EXAMPLES_DIR, name);
  const t0 = performance.now();
  try {
    const manifest = readManifest(dir);
    const kind = languageOf(dir);
    const output = join(dir, manifest.main ?? "plugin.wasm");
    const inputs = [join(dir, "src"), join(dir, "plugin.json"), join(dir, "asconfig.json"), ...SCRIPT_INPUTS];
    if (!options.force && isUpToDate(output, inputs)) {
      console.log(reportLine("skipped", name, { size: statSync(output).size, note: "up to date" }));
      continue;
    }
    try {
      if (kind === "assemblyscript") await buildAssemblyScript(dir, output);
      else buildC(dir, output);
      checkModule(readFileSync(output), manifest);
    } catch (error) {
      rmSync(output, { force: true }); // never leave a stale or bad wasm behind
      throw error;
    }
    console.log(reportLine("built", name, { size: statSync(output).size, ms: performance.now() - t0, note: kind }));
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

function cSources(dir) {
  const src = join(dir, "src");
  return existsSync(src) ? readdirSync(src).filter((f) => f.endsWith(".c")).sort().map((f) => join(src, f)) : [];
}

async function buildAssemblyScript(dir, output) {
  asc ??= (await import("assemblyscript/asc")).default;
  const args = [
    rel(join(dir, "src/index.ts")),
    AS_ABORT,
    "--outFile",
    rel(output),
    "--use",
    AS_ABORT_USE,
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
  const args = [...CLANG_FLAGS, `-I${rel(join(dir, "src"))}`, "-o", rel(output), ...cSources(dir).map(rel)];
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
