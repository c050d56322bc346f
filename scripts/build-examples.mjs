#!/usr/bin/env node
// Builds every example plugin in examples/ to its plugin.wasm (`npm run build:examples`), and
// the PDKs' test plugins (packages/pdk-as/tests/fixtures/*, packages/pdk-c/tests/fixtures/*).
//
//   node scripts/build-examples.mjs [--force] [name ...]
//
// Compiling and checking is packages/cli/src/build/plugin-build.js (the same code as
// `threadspace build`): AssemblyScript with the asc API (-O3 --runtime incremental, an abort
// handler), C with Debian clang + lld for wasm32, the PDKs found through the npm workspace.
// Incremental: a plugin is skipped when its wasm is newer than its src/, plugin.json,
// asconfig.json, this script, scripts/lib/ and, when it uses a PDK, that PDK's sources.
// `--force` rebuilds everything.
// Each built module is checked: it compiles, imports only Extism/WASI modules, and (for
// "interface": "threadspace") exports init_plugin and get_metadata and embeds the name and
// version of plugin.json (get_metadata must report them).
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError, buildInputs, compilePlugin, isUpToDate, languageOf, pdkOf } from "../packages/cli/src/build/plugin-build.js";
import { parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const USAGE = "usage: node scripts/build-examples.mjs [--force] [example-name ...]";
const EXAMPLES_DIR = join(repoRoot, "examples");
/** Directories whose subdirectories with a plugin.json are built: the examples, then the PDKs' test plugins. */
const PLUGIN_ROOTS = [EXAMPLES_DIR, join(repoRoot, "packages/pdk-as/tests/fixtures"), join(repoRoot, "packages/pdk-c/tests/fixtures")];
const SCRIPT_INPUTS = [fileURLToPath(import.meta.url), join(repoRoot, "scripts/lib")];
const PDK_AS_NAME = "@threadspace/pdk-as";
const PDK_AS_DIR = join(repoRoot, "packages/pdk-as");

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
    if (!options.force && isUpToDate(output, [...buildInputs(dir, pdk), ...SCRIPT_INPUTS])) {
      console.log(reportLine("skipped", name, { size: statSync(output).size, note: "up to date" }));
      continue;
    }
    if (pdk.uses && kind === "assemblyscript") checkPdkLink();
    try {
      const built = await compilePlugin(dir, output, manifest);
      if (built.warnings) console.warn(built.warnings);
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




