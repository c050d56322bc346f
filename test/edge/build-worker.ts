/**
 * Bundles test/edge/edge-worker.ts with the engine for workerd, as a deploy would: esbuild
 * resolves the `workerd`/`browser` conditions (so `#platform` is the web one) and leaves every
 * `.wasm` import to the runtime, which hands the worker a compiled `WebAssembly.Module`
 * (Miniflare's `CompiledWasm` module type, wrangler's default rule for `*.wasm`).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A plugin to bundle: a name and the folder holding its plugin.json or fixture JSON. */
export interface EdgePluginSource {
  readonly name: string;
  /** Path of its plugin.json (examples) or fixture manifest (test/fixtures/wat/<name>.json), from the repo root. */
  readonly manifest: string;
  /** Path of its built .wasm, from the repo root. */
  readonly wasm: string;
}

/** The modules Miniflare loads: the bundled worker (ES module) and one compiled module per plugin. */
export type EdgeModule =
  | { readonly type: "ESModule"; readonly path: string; readonly contents: string }
  | { readonly type: "CompiledWasm"; readonly path: string; readonly contents: Uint8Array };

/** An example bundle under examples/. */
export function example(name: string): EdgePluginSource {
  return { name, manifest: `examples/${name}/plugin.json`, wasm: `examples/${name}/plugin.wasm` };
}

/** A WAT fixture under test/fixtures. */
export function wat(name: string): EdgePluginSource {
  return { name, manifest: `test/fixtures/wat/${name}.json`, wasm: `test/fixtures/build/${name}.wasm` };
}

/** Bundles the edge worker with these plugins; returns Miniflare's `modules`. */
export async function buildEdgeWorker(plugins: readonly EdgePluginSource[]): Promise<EdgeModule[]> {
  const entry = [
    `import { edgeWorker } from ${JSON.stringify(`${root}test/edge/edge-worker.ts`)};`,
    ...plugins.map((p, i) => `import wasm${i} from "./wasm/${p.name}.wasm";\nimport manifest${i} from ${JSON.stringify(root + p.manifest)};`),
    `export default edgeWorker({ ${plugins.map((p, i) => `${JSON.stringify(p.name)}: { manifest: manifest${i}, module: wasm${i} }`).join(", ")} });`,
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: "edge-entry.ts", loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["./wasm/*"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output");
  const wasm = await Promise.all(plugins.map(async (p): Promise<EdgeModule> => ({
    type: "CompiledWasm",
    path: `wasm/${p.name}.wasm`,
    contents: new Uint8Array(await readFile(root + p.wasm)),
  })));
  return [{ type: "ESModule", path: "worker.js", contents: code }, ...wasm];
}
