import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
/** Modules only worker and pool plugins need (the supervisor, the bridge, the pools). */
const WORKER_ONLY = [
  "packages/core/src/lifecycle/start-in-worker.ts",
  "packages/core/src/isolation/start-worker.ts",
  "packages/core/src/isolation/worker-supervisor.ts",
  "packages/core/src/isolation/extism-worker-instance.ts",
  "packages/core/src/isolation/bridge/bridge-instance.ts",
  "packages/core/src/isolation/bridge/bridge-channel.ts",
  "packages/core/src/isolation/pool/engine-pools.ts",
  "packages/core/src/isolation/pool/pool-worker.ts",
  "packages/core/src/isolation/bridge/protocol.ts",
  "packages/core/src/host-functions/bridge-extras.ts",
];

/** The source modules in the chunks an app loads at start: the entry's chunk and its static imports, transitively. */
function initialInputs(metafile: Metafile): Set<string> {
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path]?.entryPoint !== undefined);
  if (entry === undefined) throw new Error("esbuild wrote no entry chunk");
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const each of metafile.outputs[path]?.imports ?? []) if (each.kind === "import-statement" && each.external !== true) visit(each.path);
  };
  visit(entry);
  return new Set([...seen].flatMap((path) => Object.keys(metafile.outputs[path]?.inputs ?? {})));
}

describe("the worker and pool start-up is loaded lazily", () => {
  // The browser build of the engine's sources, split where Vite's production build splits: at dynamic imports.
  it("is not in the initial chunks of a browser bundle of createEngine, only in the lazily loaded ones", async () => {
    const result = await build({
      stdin: { contents: `export { createEngine } from "./packages/core/src/index.ts";`, resolveDir: root, loader: "ts", sourcefile: "entry.ts" },
      absWorkingDir: root,
      bundle: true,
      splitting: true,
      outdir: relative(root, fileURLToPath(new URL("./lazy-split-out", import.meta.url))),
      write: false,
      metafile: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      conditions: ["source", "browser", "module"],
      logLevel: "silent",
    });
    const initial = initialInputs(result.metafile);
    const all = Object.keys(result.metafile.inputs);
    // Guards the guard: each module is in the bundle (a rename would otherwise pass unnoticed) ...
    expect(WORKER_ONLY.filter((path) => !all.includes(path))).toEqual([]);
    // ... and the inline path is in the initial load.
    expect(initial.has("packages/core/src/lifecycle/start-plugin.ts")).toBe(true);
    expect(initial.has("packages/core/src/isolation/inline-instance.ts")).toBe(true);
    expect(WORKER_ONLY.filter((path) => initial.has(path))).toEqual([]);
  }, 60_000);
});
