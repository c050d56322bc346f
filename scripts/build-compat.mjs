#!/usr/bin/env node
// Builds the plain Extism plugins of the compatibility suite (test/compat, docs/compat.md):
//
//   test/compat/plugins/wat/<name>.wat       -> test/compat/build/<name>.wasm   (wabt)
//   test/compat/plugins/<dir>/src/plugin.c   -> test/compat/build/<dir>.wasm    (clang, no Threadspace header)
//   test/compat/plugins/<dir>/src/index.ts   -> test/compat/build/<dir>.wasm    (asc + @extism/as-pdk)
//
//   node scripts/build-compat.mjs [--force]
//
// Incremental like build-fixtures.mjs; the same compilers as the CLI's build (plugin-build.js).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileAssemblyScript, compileC } from "../packages/cli/src/build/plugin-build.js";
import { isUpToDate, listFiles, parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const PLUGINS = join(repoRoot, "test/compat/plugins");
const BUILD = join(repoRoot, "test/compat/build");
const SCRIPT = fileURLToPath(import.meta.url);
const FEATURES = { bulk_memory: true, mutable_globals: true, sign_extension: true, sat_float_to_int: true, multi_value: true };

const options = parseArgs(process.argv.slice(2), "usage: node scripts/build-compat.mjs [--force]");
mkdirSync(BUILD, { recursive: true });
const started = performance.now();
let built = 0;
let failures = 0;
let wabt;

/** @type {{ name: string, inputs: string[], build: (output: string) => Promise<void> }[]} */
const jobs = [];
for (const file of readdirSync(join(PLUGINS, "wat")).filter((f) => f.endsWith(".wat")).sort()) {
  const source = join(PLUGINS, "wat", file);
  jobs.push({
    name: basename(file, ".wat"),
    inputs: [source, SCRIPT],
    build: async (output) => {
      wabt ??= await (await import("wabt")).default();
      const module = wabt.parseWat(file, readFileSync(source, "utf8"), FEATURES);
      try {
        module.resolveNames();
        module.validate();
        writeFileSync(output, module.toBinary({ canonicalize_lebs: true }).buffer);
      } finally {
        module.destroy();
      }
    },
  });
}
for (const dir of readdirSync(PLUGINS).filter((d) => d !== "wat" && statSync(join(PLUGINS, d)).isDirectory()).sort()) {
  const root = join(PLUGINS, dir);
  const isC = existsSync(join(root, "src/plugin.c"));
  jobs.push({
    name: dir,
    inputs: [...listFiles([join(root, "src")]), SCRIPT],
    build: async (output) => {
      if (isC) compileC(root, output);
      else await compileAssemblyScript(root, output, false); // false: the PDK abort handler comes in a virtual entry (Extism has no env.abort)
    },
  });
}

for (const job of jobs) {
  const output = join(BUILD, `${job.name}.wasm`);
  if (!options.force && isUpToDate(output, job.inputs)) continue;
  const t0 = performance.now();
  try {
    await job.build(output);
    new WebAssembly.Module(readFileSync(output));
    built++;
    console.log(reportLine("built", job.name, { size: statSync(output).size, ms: performance.now() - t0 }));
  } catch (error) {
    failures++;
    console.log(reportLine("FAILED", job.name));
    console.error(error instanceof Error ? error.message : String(error));
  }
}
const summary = `${built} built, ${jobs.length - built - failures} up to date, ${Math.round(performance.now() - started)} ms`;
if (failures > 0) {
  console.error(`build:compat: ${failures} plugin(s) failed (${summary})`);
  process.exit(1);
}
console.log(`build:compat: done (${summary}) -> ${rel(BUILD)}/`);
