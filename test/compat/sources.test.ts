/**
 * Where a plain Extism plugin's wasm comes from: a fetch Response (hash checked before anything
 * compiles it), and linked modules from the bundle's folder or passed in (each hashed like main).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, isThreadspaceError } from "@threadspace/core";
import { packBundle } from "@threadspace/bundle";
import { buildCompatPlugins, compatWasm } from "./support/sides.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const sha = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
let dir: string;
beforeAll(async () => {
  buildCompatPlugins();
  dir = await mkdtemp(join(tmpdir(), "threadspace-compat-"));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isThreadspaceError(error)) throw new Error(`expected a ThreadspaceError, got ${String(error)}`);
  return error;
}

describe("wasm sources", () => {
  it("installs from a fetch Response, and refuses one whose hash differs", async () => {
    const engine = await createEngine({ logger: quiet });
    try {
      const main = compatWasm("linked-math");
      const manifest = { name: "resp", version: "1.0.0", interface: "extism", hash: sha(main) };
      await engine.install({ manifest, wasm: new Response(main as Uint8Array<ArrayBuffer>) });
      expect(engine.get("resp")?.sha256).toBe(sha(main));
      const other = compatWasm("wasi-hello");
      const error = await failure(engine.install({ manifest: { ...manifest, name: "resp2" }, wasm: new Response(other as Uint8Array<ArrayBuffer>) }));
      expect(error.code).toBe("hash_mismatch");
      const tooBig = await createEngine({ logger: quiet, maxWasmBytes: 10 });
      expect((await failure(tooBig.install({ manifest: { ...manifest, name: "resp3" }, wasm: new Response(main as Uint8Array<ArrayBuffer>) }))).code).toBe("source_invalid");
      await tooBig.close();
    } finally {
      await engine.close();
    }
  });

  it("reads linked modules from the bundle's folder, each checked against its hash", async () => {
    const main = compatWasm("linked-main");
    const math = compatWasm("linked-math");
    await writeFile(join(dir, "plugin.wasm"), main);
    await writeFile(join(dir, "math.wasm"), math);
    const write = (hash: string) => writeFile(join(dir, "plugin.json"), JSON.stringify({ name: "folder", version: "1.0.0", interface: "extism", hash: sha(main), modules: { math: { path: "math.wasm", hash } } }));
    const engine = await createEngine({ logger: quiet });
    try {
      await write(sha(math));
      await engine.install(dir);
      expect((await engine.call("folder", "add", "12")).text()).toBe("03");
      expect(engine.get("folder")?.linkedModules).toEqual([{ name: "math", sha256: sha(math), imports: [] }]);
      await engine.uninstall("folder");
      await write(sha(main));
      const error = await failure(engine.install(dir));
      expect(error.code).toBe("hash_mismatch");
      expect(error.message).toContain('linked module "math" (math.wasm)');
    } finally {
      await engine.close();
    }
  });

  it("refuses a linked module plugin.json does not name, and a named one not given", async () => {
    const engine = await createEngine({ logger: quiet });
    try {
      const manifest = { name: "parts", version: "1.0.0", interface: "extism", modules: { math: { path: "math.wasm" } } };
      expect((await failure(engine.install({ manifest, wasm: compatWasm("linked-main") }))).code).toBe("source_invalid");
      expect((await failure(engine.install({ manifest, wasm: compatWasm("linked-main"), modules: { math: compatWasm("linked-math"), extra: compatWasm("linked-math") } }))).code).toBe("source_invalid");
      // Without the module, main's import of math.add is served by nobody: wasm_invalid naming it.
      const unlinked = await failure(engine.install({ manifest: { name: "unlinked", version: "1.0.0", interface: "extism" }, wasm: compatWasm("linked-main") }));
      expect(unlinked.code).toBe("wasm_invalid");
      expect(unlinked.message).toContain('"math" "add"');
    } finally {
      await engine.close();
    }
  });

  it("refuses a .tsp whose plugin.json names linked modules (a .tsp carries main only), saying how to install it", async () => {
    const main = compatWasm("linked-main");
    const manifest = new TextEncoder().encode(JSON.stringify({ name: "packed", version: "1.0.0", interface: "extism", hash: sha(main), modules: { math: { path: "math.wasm" } } }));
    const engine = await createEngine({ logger: quiet });
    try {
      const error = await failure(engine.install(await packBundle({ manifest, wasm: main })));
      expect(error.code).toBe("bundle_invalid");
      expect(error.message).toContain("{ manifest, wasm, modules }");
    } finally {
      await engine.close();
    }
  });
});
