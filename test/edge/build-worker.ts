/**
 * Bundles a worker for workerd as wrangler would: esbuild resolves the `workerd`/`browser`
 * conditions (so the engine's `#platform` is the web one) and leaves every `.wasm` import to the
 * runtime, which hands the worker a compiled `WebAssembly.Module` (module type `CompiledWasm`,
 * wrangler's default rule for `*.wasm`).
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { basename, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { rewriteModule } from "../../packages/core/src/metering/index.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The modules Miniflare loads: the bundled worker (ES module) and each .wasm it imports. */
export type EdgeModule =
  | { readonly type: "ESModule"; readonly path: string; readonly contents: string }
  | { readonly type: "CompiledWasm"; readonly path: string; readonly contents: Uint8Array };

/** A plugin to bundle with the edge worker: its manifest and built .wasm (absolute, or from the repo root). */
export interface EdgePluginSource {
  readonly name: string;
  readonly manifest: string;
  readonly wasm: string;
}

/** An example bundle under examples/. */
export function example(name: string): EdgePluginSource {
  return { name, manifest: `examples/${name}/plugin.json`, wasm: `examples/${name}/plugin.wasm` };
}

/** A WAT fixture under test/fixtures. */
export function wat(name: string): EdgePluginSource {
  return { name, manifest: `test/fixtures/wat/${name}.json`, wasm: `test/fixtures/build/${name}.wasm` };
}

/** Runs the `[build]` command of `<dir>/wrangler.toml` (from the repo root), as wrangler would before bundling. */
export async function runWranglerBuild(dir: string): Promise<void> {
  const cwd = root + dir;
  const toml = await readFile(`${cwd}/wrangler.toml`, "utf8");
  const command = /^command = "(.*)"$/m.exec(toml)?.[1];
  if (command === undefined) throw new Error(`no [build] command in ${dir}/wrangler.toml`);
  execFileSync("sh", ["-c", command], { cwd, stdio: "pipe" });
}

/** Marks `.wasm` imports external, named by their path from the repo root; collects them. `with { type: "bytes" }` imports stay esbuild's (a Uint8Array). */
function compiledWasm(found: Map<string, string>): Plugin {
  return {
    name: "compiled-wasm",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (args) => {
        if (args.with["type"] === "bytes") return undefined;
        const path = resolve(args.resolveDir, args.path);
        const inside = relative(root, path);
        const name = inside.startsWith("..") || isAbsolute(inside) ? `external/${basename(path)}` : inside;
        found.set(name, path);
        return { path: `./${name}`, external: true };
      });
    },
  };
}

/** Bundles a worker (a file, or source text resolved from the repo root); returns Miniflare's `modules`. `alias` maps imports (esbuild's option). */
export async function bundleWorker(entry: { readonly file: string } | { readonly source: string }, alias: Record<string, string> = {}): Promise<EdgeModule[]> {
  const wasm = new Map<string, string>();
  const result = await build({
    ...("file" in entry ? { entryPoints: [root + entry.file] } : { stdin: { contents: entry.source, resolveDir: root, sourcefile: "edge-entry.ts", loader: "ts" } }),
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["source", "workerd", "worker", "browser"],
    plugins: [compiledWasm(wasm)],
    alias,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output");
  const modules = await Promise.all([...wasm].map(async ([name, path]): Promise<EdgeModule> => ({ type: "CompiledWasm", path: name, contents: meteredForEdge(new Uint8Array(await readFile(path))) })));
  return [{ type: "ESModule", path: "worker.js", contents: code }, ...modules];
}

const specifier = (path: string): string => JSON.stringify(isAbsolute(path) ? path : `./${path}`);

/**
 * Meters a plugin's module as `threadspace cap --fuel` would, so that workerd (which compiles
 * nothing at run time) gets metered modules: timeouts and fuel budgets hold there. Fuel only: the
 * memory cap stays unwritten, as the suites expect of a precompiled module. A module the rewrite
 * refuses is bundled as it is.
 */
function meteredForEdge(bytes: Uint8Array): Uint8Array {
  try {
    return rewriteModule(bytes, { fuel: true }).bytes;
  } catch {
    return bytes;
  }
}

/** Import lines of the plugins' manifests and modules (named with `prefix`, to keep several lists apart), and the `{ name: { manifest, module } }` object of them. */
function pluginImports(plugins: readonly EdgePluginSource[], prefix = ""): { imports: string[]; object: string } {
  return {
    imports: plugins.map((p, i) => `import ${prefix}wasm${i} from ${specifier(p.wasm)};\nimport ${prefix}manifest${i} from ${specifier(p.manifest)};`),
    object: `{ ${plugins.map((p, i) => `${JSON.stringify(p.name)}: { manifest: ${prefix}manifest${i}, module: ${prefix}wasm${i} }`).join(", ")} }`,
  };
}

/** Bundles test/edge/edge-worker.ts with these plugins. */
export function buildEdgeWorker(plugins: readonly EdgePluginSource[]): Promise<EdgeModule[]> {
  const { imports, object } = pluginImports(plugins);
  return bundleWorker({ source: [`import { edgeWorker } from "./test/edge/edge-worker.ts";`, ...imports, `export default edgeWorker(${object});`].join("\n") });
}

/**
 * Bundles test/edge/storage-worker.ts (Durable Objects `ContractObject` and `EngineObject`) with
 * these plugins; its `vitest` import is vitest-shim.ts.
 */
export function buildStorageWorker(plugins: readonly EdgePluginSource[]): Promise<EdgeModule[]> {
  const { imports, object } = pluginImports(plugins);
  const source = [
    `import { storageWorker } from "./test/edge/storage-worker.ts";`,
    `export { ContractObject } from "./test/edge/storage-worker.ts";`,
    ...imports,
    `const { EngineObject, handler } = storageWorker(${object});`,
    `export { EngineObject };`,
    `export default handler;`,
  ].join("\n");
  return bundleWorker({ source }, { vitest: `${root}test/support/vitest-shim.ts` });
}

/** The names of the built WAT fixtures (test/fixtures/build/*.wasm) and built examples (examples/<name>/plugin.wasm). */
async function builtPlugins(): Promise<{ fixtures: EdgePluginSource[]; examples: EdgePluginSource[] }> {
  const fixtures = (await readdir(`${root}test/fixtures/build`)).filter((file) => file.endsWith(".wasm")).map((file) => wat(file.slice(0, -".wasm".length)));
  const dirs = await readdir(`${root}examples`, { withFileTypes: true });
  const names = dirs.filter((dir) => dir.isDirectory()).map((dir) => dir.name);
  const built = await Promise.all(names.map(async (name) => ((await readdir(`${root}examples/${name}`)).includes("plugin.wasm") ? name : undefined)));
  return { fixtures, examples: built.filter((name) => name !== undefined).map(example) };
}

/**
 * Bundles test/edge/contract-worker.ts with a module map generated now: every built fixture and
 * example imported as `CompiledWasm`, with its manifest, and the fixtures' bytes too. Its `vitest` import is vitest-shim.ts.
 */
export async function buildContractWorker(): Promise<EdgeModule[]> {
  const { fixtures, examples } = await builtPlugins();
  const f = pluginImports(fixtures, "fixture");
  const e = pluginImports(examples, "example");
  const bytes = fixtures.map((p, i) => `import bytes${i} from ${specifier(p.wasm)} with { type: "bytes" };`);
  const source = [
    `import { contractWorker } from "./test/edge/contract-worker.ts";`,
    ...f.imports,
    ...e.imports,
    ...bytes,
    `const fixtureBytes = { ${fixtures.map((p, i) => `${JSON.stringify(p.name)}: bytes${i}`).join(", ")} };`,
    `export default contractWorker({ fixtures: ${f.object}, examples: ${e.object}, fixtureBytes });`,
  ].join("\n");
  return bundleWorker({ source }, { vitest: `${root}test/support/vitest-shim.ts` });
}
