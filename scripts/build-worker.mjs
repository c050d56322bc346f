#!/usr/bin/env node
// Builds the bridge worker's entries into JavaScript (`npm run build:worker`):
//
//   packages/core/src/isolation/bridge/bridge-worker.node.ts -> packages/core/dist/bridge-worker.node.js
//   packages/core/src/isolation/bridge/bridge-worker.web.ts  -> packages/core/dist/bridge-worker.web.js
//
//   node scripts/build-worker.mjs [--force]
//
// A worker cannot load TypeScript in Node without a loader (tsx in every worker costs ~100 ms of
// start-up and ~7 MiB), so spawn-node.ts starts the built file. The Node entry keeps
// @extism/extism external (resolved from node_modules like any dependency of @threadspace/core);
// the web entry bundles everything, for pages that load it without a bundler (Vite serves the .ts
// entry itself: spawn-web.ts). Incremental: skipped while no input of the last build (esbuild's
// metafile, kept beside the outputs) nor this script is newer than the outputs.
// Kept apart from the packages' tsc build (issue 11) so that it can be folded into it later.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, rel, repoRoot, reportLine } from "./lib/build-utils.mjs";

const USAGE = "usage: node scripts/build-worker.mjs [--force]";
const SOURCE = join(repoRoot, "packages/core/src/isolation/bridge");
const OUT_DIR = join(repoRoot, "packages/core/dist");

/** The two entries: where each runs, and what esbuild needs to know about it. */
const TARGETS = [
  { name: "bridge-worker.node", platform: "node", external: ["@extism/extism"], conditions: ["source", "node"] },
  { name: "bridge-worker.web", platform: "browser", external: [], conditions: ["source", "browser"] },
];

/** The files the last build of `name` read (its metafile), plus this script. */
function inputsOf(name) {
  try {
    const meta = JSON.parse(readFileSync(join(OUT_DIR, `${name}.meta.json`), "utf8"));
    return [...Object.keys(meta.inputs).map((input) => join(repoRoot, input)), fileURLToPath(import.meta.url)];
  } catch {
    return undefined;
  }
}

function upToDate(name) {
  const inputs = inputsOf(name);
  if (inputs === undefined) return false;
  let built;
  try {
    built = statSync(join(OUT_DIR, `${name}.js`)).mtimeMs;
  } catch {
    return false;
  }
  return inputs.every((file) => {
    try {
      return statSync(file).mtimeMs < built;
    } catch {
      return false; // an input went away: rebuild
    }
  });
}

const options = parseArgs(process.argv.slice(2), USAGE);
if (options.names.length > 0) {
  console.error(`build-worker takes no names\n${USAGE}`);
  process.exit(2);
}
mkdirSync(OUT_DIR, { recursive: true });
let esbuild; // loaded on first use: skipping stays fast
for (const target of TARGETS) {
  const out = join(OUT_DIR, `${target.name}.js`);
  if (!options.force && upToDate(target.name)) {
    console.log(reportLine("fresh", target.name, { note: rel(out) }));
    continue;
  }
  esbuild ??= await import("esbuild");
  const started = performance.now();
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [join(SOURCE, `${target.name}.ts`)],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: target.platform,
    target: "es2022",
    conditions: target.conditions,
    external: target.external,
    metafile: true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    banner: { js: `// Built by scripts/build-worker.mjs from ${rel(join(SOURCE, `${target.name}.ts`))}; do not edit.` },
  });
  writeFileSync(join(OUT_DIR, `${target.name}.meta.json`), JSON.stringify(result.metafile));
  console.log(reportLine("built", target.name, { size: statSync(out).size, ms: performance.now() - started, note: rel(out) }));
}
