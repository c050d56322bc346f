#!/usr/bin/env node
// Compiles the WAT test fixtures (`npm run build:fixtures`):
//
//   test/fixtures/wat/<name>.wat  ->  test/fixtures/build/<name>.wasm   (gitignored)
//
//   node scripts/build-fixtures.mjs [--force] [name ...]
//
// Uses the npm `wabt` package (no native tools). Incremental: a fixture is skipped when its
// wasm is newer than its .wat, this script and scripts/lib/. `--force` rebuilds everything.
// Each fixture's optional <name>.json (the plugin.json tests install it with) is checked to parse.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isUpToDate, parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const USAGE = "usage: node scripts/build-fixtures.mjs [--force] [fixture-name ...]";
const WAT_DIR = join(repoRoot, "test/fixtures/wat");
const BUILD_DIR = join(repoRoot, "test/fixtures/build");
const SCRIPT_INPUTS = [fileURLToPath(import.meta.url), join(repoRoot, "scripts/lib")];
/** Post-MVP features the fixtures may use (all are supported by Node 20 and current browsers). */
const FEATURES = { bulk_memory: true, mutable_globals: true, sign_extension: true, sat_float_to_int: true, multi_value: true };

const options = parseArgs(process.argv.slice(2), USAGE);
const fixtures = readdirSync(WAT_DIR)
  .filter((file) => file.endsWith(".wat"))
  .map((file) => basename(file, ".wat"))
  .sort();
for (const name of options.names) {
  if (!fixtures.includes(name)) {
    console.error(`no fixture named ${name} (fixtures: ${fixtures.join(", ")})`);
    process.exit(2);
  }
}
const selected = options.names.length > 0 ? fixtures.filter((name) => options.names.includes(name)) : fixtures;

mkdirSync(BUILD_DIR, { recursive: true });
let wabt; // loaded on first use: skipping everything stays fast
let failures = 0;
let built = 0;
const started = performance.now();
console.log(`build:fixtures (${selected.length} in ${rel(WAT_DIR)}/)`);

for (const name of selected) {
  const source = join(WAT_DIR, `${name}.wat`);
  const output = join(BUILD_DIR, `${name}.wasm`);
  const t0 = performance.now();
  try {
    checkManifest(name);
    if (!options.force && isUpToDate(output, [source, ...SCRIPT_INPUTS])) {
      if (options.names.length > 0) console.log(reportLine("skipped", name, { size: statSync(output).size, note: "up to date" }));
      continue;
    }
    wabt ??= await (await import("wabt")).default();
    const bytes = compileWat(source);
    writeFileSync(output, bytes);
    built++;
    console.log(reportLine("built", name, { size: bytes.length, ms: performance.now() - t0 }));
  } catch (error) {
    failures++;
    rmSync(output, { force: true });
    console.log(reportLine("FAILED", name));
    console.error(`${rel(source)}: ${error.message}`);
  }
}

// Outputs whose .wat is gone would otherwise linger and keep passing tests.
if (options.names.length === 0) {
  for (const file of readdirSync(BUILD_DIR)) {
    if (file.endsWith(".wasm") && !fixtures.includes(basename(file, ".wasm"))) {
      rmSync(join(BUILD_DIR, file));
      console.log(reportLine("removed", basename(file, ".wasm"), { note: "its .wat is gone" }));
    }
  }
}

const summary = `${built} built, ${selected.length - built - failures} up to date, ${Math.round(performance.now() - started)} ms`;
if (failures > 0) {
  console.error(`build:fixtures: ${failures} fixture(s) failed (${summary})`);
  process.exit(1);
}
console.log(`build:fixtures: done (${summary}) -> ${rel(BUILD_DIR)}/`);

function compileWat(path) {
  const module = wabt.parseWat(basename(path), readFileSync(path, "utf8"), FEATURES);
  try {
    module.resolveNames();
    module.validate();
    const bytes = module.toBinary({ canonicalize_lebs: true }).buffer;
    new WebAssembly.Module(bytes); // what wabt accepts, V8 must too
    return bytes;
  } finally {
    module.destroy();
  }
}

function checkManifest(name) {
  const path = join(WAT_DIR, `${name}.json`);
  if (!existsSync(path)) return;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${rel(path)}: ${error.message}`);
  }
  if (manifest.name !== name) throw new Error(`${rel(path)}: "name" is ${JSON.stringify(manifest.name)}, expected "${name}"`);
}
