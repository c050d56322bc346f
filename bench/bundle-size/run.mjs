// The browser bundle an app ships for Threadspace: esbuild (minified, ESM, browser conditions,
// as Vite's production build resolves them, code splitting on as Vite's build splits dynamic
// imports) of an entry that uses createEngine, from the built packages (dist/), against an entry
// that uses @extism/extism alone. Sizes minified and gzipped (each file on its own, as a browser
// fetches them), split into the initial load (the entry's chunk and the chunks it imports
// statically: what an app downloads at start) and the chunks loaded lazily by a dynamic
// `import()` (the worker bridge and the pools, when a plugin first runs in a worker or a pool).
// `npm run bench:bundle-size` prints them; `--check` fails when the engine's initial load is over
// the budget, or when the worker/pool start-up is found in the initial load (the CI guard).
import { gzipSync } from "node:zlib";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The budget for @threadspace/core's own bytes on top of @extism/extism (gzipped), initial load
 * only. 80 KiB before fuel metering landed (74 KiB); 100 KiB after (92 KiB: the wasm rewriter is
 * ~25 KiB minified); 110 KiB once worker pools, record/replay, export schemas, HTTP and host
 * functions by any name landed (107 KiB); 115 KiB with the WASI output/mount adapter and vars in
 * traces (113 KiB); 120 KiB with WASI clock and random in traces (119.1 KiB, against 116.7 KiB on
 * main 655da8f: the import routing at install, the engine's clock/random functions and their
 * recorder/replayer, ~5.5 KiB minified; browsers run WASI plugins through Extism's browser WASI,
 * whose values must be recorded there too). The worker/pool start-up (supervisor, bridge
 * channel and protocol, pools, Extism's runInWorker glue, the host functions served to a worker)
 * then moved behind a dynamic import (lifecycle/start-in-worker.ts, isolation/lazy-pools.ts,
 * host-functions/bridge-extras.ts): main of 01:07 (WASI clock/random merged) measured 123.1 KiB
 * in one bundle, over the budget; split, 113.2 KiB is the initial load and 29.8 KiB minified
 * (12.1 KiB gzipped, 3 chunks) is loaded lazily. The budget is 115 KiB: the measured initial load
 * plus 1.8 KiB, so that the next features' few hundred bytes fit but a static import of the
 * worker code (+12 KiB) does not.
 * semver's per-function files would save 2.7 KiB but break Vite's dev server for apps that
 * pre-bundle only semver's root (README).
 */
export const BUDGET_GZIP_BYTES = 115 * 1024;

/** Modules only worker and pool plugins need: `--check` fails when one is in the initial load. */
const LAZY_ONLY = ["packages/core/dist/lifecycle/start-in-worker.js", "packages/core/dist/isolation/worker-supervisor.js", "packages/core/dist/isolation/pool/engine-pools.js", "packages/core/dist/isolation/bridge/bridge-instance.js", "packages/core/dist/isolation/bridge/bridge-channel.js", "packages/core/dist/isolation/bridge/protocol.js"];

const entries = {
  "@extism/extism alone": `import createPlugin from "@extism/extism"; globalThis.x = createPlugin;`,
  "@threadspace/core (createEngine)": `import { createEngine } from "@threadspace/core"; globalThis.x = createEngine;`,
  "@threadspace/core + indexedDbStorage": `import { createEngine } from "@threadspace/core"; import { indexedDbStorage } from "@threadspace/storage"; globalThis.x = [createEngine, indexedDbStorage];`,
};

/** Sizes of a set of output files (minified bytes, gzipped bytes, each file compressed alone). */
function sizeOf(files) {
  return { bytes: files.reduce((sum, file) => sum + file.contents.byteLength, 0), gzip: files.reduce((sum, file) => sum + gzipSync(file.contents, { level: 9 }).byteLength, 0) };
}

/** The output paths an app loads at start: the entry's chunk and, transitively, its static imports. */
function initialOutputs(metafile) {
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path].entryPoint !== undefined && path.endsWith(".js"));
  const initial = new Set();
  const visit = (path) => {
    if (initial.has(path)) return;
    initial.add(path);
    for (const each of metafile.outputs[path].imports) if (each.kind === "import-statement" && !each.external) visit(each.path);
  };
  visit(entry);
  return initial;
}

async function measure(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "js", sourcefile: "entry.js" },
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    outdir: "bench/bundle-size/out",
    minify: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["browser", "module"],
    logLevel: "silent",
  });
  const initial = initialOutputs(result.metafile);
  const files = result.outputFiles.filter((file) => file.path.endsWith(".js"));
  const isInitial = (file) => initial.has(relative(root, file.path));
  const initialInputs = new Set([...initial].flatMap((path) => Object.keys(result.metafile.outputs[path].inputs)));
  const allInputs = new Set(Object.keys(result.metafile.inputs));
  return { initial: sizeOf(files.filter(isInitial)), lazy: sizeOf(files.filter((file) => !isInitial(file))), lazyChunks: files.length - initial.size, initialInputs, allInputs };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = {};
for (const [name, source] of Object.entries(entries)) sizes[name] = await measure(source);
console.log("| bundle | initial load, minified | initial load, minified + gzip | lazy chunks | lazy, minified | lazy, minified + gzip |\n|---|---|---|---|---|---|");
for (const [name, { initial, lazy, lazyChunks }] of Object.entries(sizes)) console.log(`| ${name} | ${kib(initial.bytes)} | ${kib(initial.gzip)} | ${lazyChunks} | ${kib(lazy.bytes)} | ${kib(lazy.gzip)} |`);
const extism = sizes["@extism/extism alone"];
const engine = sizes["@threadspace/core (createEngine)"];
const added = engine.initial.gzip - extism.initial.gzip;
console.log(`\n@threadspace/core adds ${kib(added)} gzipped to @extism/extism at start (budget ${kib(BUDGET_GZIP_BYTES)}); ${kib(engine.lazy.gzip)} more load when a plugin first runs in a worker or a pool.`);
if (process.argv.includes("--check")) {
  const missing = LAZY_ONLY.filter((path) => !engine.allInputs.has(path));
  if (missing.length > 0) {
    console.error(`bundle size: ${missing.join(", ")} not in the bundle at all: update LAZY_ONLY in bench/bundle-size/run.mjs to the worker/pool modules' new names.`);
    process.exitCode = 1;
  }
  const eager = LAZY_ONLY.filter((path) => engine.initialInputs.has(path));
  if (eager.length > 0) {
    console.error(`bundle size: the initial load carries worker/pool code an inline-only app does not need: ${eager.join(", ")}. Something imports it statically; load it from lifecycle/start-in-worker.ts (a dynamic import).`);
    process.exitCode = 1;
  }
  if (added > BUDGET_GZIP_BYTES) {
    console.error(`bundle size: @threadspace/core adds ${kib(added)} gzipped at start, over its budget of ${kib(BUDGET_GZIP_BYTES)}. Find what grew (esbuild --metafile), or raise the budget in bench/bundle-size/run.mjs with the reason.`);
    process.exitCode = 1;
  }
}
