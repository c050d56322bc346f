// The browser bundle an app ships for Threadspace: esbuild (minified, ESM, browser conditions,
// as Vite's production build resolves them) of an entry that uses createEngine, from the built
// packages (dist/), against an entry that uses @extism/extism alone. Sizes minified and gzipped.
// `npm run bench:bundle-size` prints them; `--check` fails when the engine's gzipped size is over
// the budget (the CI guard).
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The budget for @threadspace/core's own bytes on top of @extism/extism (gzipped). 80 KiB before
 * fuel metering landed (74 KiB); 100 KiB after (92 KiB: the wasm rewriter is ~25 KiB minified);
 * 110 KiB once worker pools, record/replay, export schemas, HTTP and host functions by any name
 * landed (107 KiB); 115 KiB with the WASI output/mount adapter and vars in traces (113 KiB);
 * 120 KiB with WASI clock and random in traces (119.1 KiB, against 116.7 KiB on main 655da8f: the
 * import routing at install, the engine's clock/random functions and their recorder/replayer,
 * ~5.5 KiB minified; browsers run WASI plugins through Extism's browser WASI, whose values must
 * be recorded there too).
 * semver's per-function files would save 2.7 KiB but break Vite's dev server for apps that
 * pre-bundle only semver's root (README). Next cut:
 * load the worker bridge and pools (~18 KiB minified) only when a plugin needs them.
 */
export const BUDGET_GZIP_BYTES = 120 * 1024;

const entries = {
  "@extism/extism alone": `import createPlugin from "@extism/extism"; globalThis.x = createPlugin;`,
  "@threadspace/core (createEngine)": `import { createEngine } from "@threadspace/core"; globalThis.x = createEngine;`,
  "@threadspace/core + indexedDbStorage": `import { createEngine } from "@threadspace/core"; import { indexedDbStorage } from "@threadspace/storage"; globalThis.x = [createEngine, indexedDbStorage];`,
};

async function measure(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["browser", "module"],
    logLevel: "silent",
  });
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  const gzip = result.outputFiles.reduce((sum, file) => sum + gzipSync(file.contents, { level: 9 }).byteLength, 0);
  return { bytes, gzip };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = {};
for (const [name, source] of Object.entries(entries)) sizes[name] = await measure(source);
console.log("| bundle | minified | minified + gzip |\n|---|---|---|");
for (const [name, { bytes, gzip }] of Object.entries(sizes)) console.log(`| ${name} | ${kib(bytes)} | ${kib(gzip)} |`);
const extism = sizes["@extism/extism alone"];
const engine = sizes["@threadspace/core (createEngine)"];
const added = engine.gzip - extism.gzip;
console.log(`\n@threadspace/core adds ${kib(added)} gzipped to @extism/extism (budget ${kib(BUDGET_GZIP_BYTES)}).`);
if (process.argv.includes("--check") && added > BUDGET_GZIP_BYTES) {
  console.error(`bundle size: @threadspace/core adds ${kib(added)} gzipped, over its budget of ${kib(BUDGET_GZIP_BYTES)}. Find what grew (esbuild --metafile), or raise the budget in bench/bundle-size/run.mjs with the reason.`);
  process.exitCode = 1;
}
