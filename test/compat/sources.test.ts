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
import { unzipSync, zipSync } from "fflate";
import { memoryStorage, type BundleRecord, type StorageDriver } from "@threadspace/storage";
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

  it("packs linked modules into a .tsp (each pinned by its hash), installs it, and keeps it across a restart", async () => {
    const main = compatWasm("linked-main");
    const math = compatWasm("linked-math");
    const json = (modules: unknown) => new TextEncoder().encode(JSON.stringify({ name: "packed", version: "1.0.0", interface: "extism", hash: sha(main), modules }));
    const manifest = json({ math: { path: "lib/math.wasm", hash: sha(math) } });
    const tsp = await packBundle({ manifest, wasm: main, modules: { math } });
    expect(unzipSync(tsp)["lib/math.wasm"]).toEqual(math);
    const shared = memoryStorage();
    const view = (): StorageDriver => ({ name: shared.name, get: (store, key) => shared.get(store, key), scan: (store, options) => shared.scan(store, options), commit: (batch) => shared.commit(batch), close: async () => undefined });
    const engine = await createEngine({ logger: quiet, storage: view() });
    try {
      await engine.install(tsp);
      expect((await engine.call("packed", "add", "12")).text()).toBe("03");
    } finally {
      await engine.close();
    }
    const again = await createEngine({ logger: quiet, storage: view() });
    try {
      expect((await again.call("packed", "add", "34")).text()).toBe("07");
    } finally {
      await again.close();
      await shared.close();
    }
    // Packing refuses a module without a hash, a module that does not match it, and one not given.
    expect((await failure(packBundle({ manifest: json({ math: { path: "math.wasm" } }), wasm: main, modules: { math } }))).code).toBe("bundle_invalid");
    expect((await failure(packBundle({ manifest: json({ math: { path: "math.wasm", hash: sha(main) } }), wasm: main, modules: { math } }))).code).toBe("hash_mismatch");
    expect((await failure(packBundle({ manifest, wasm: main }))).code).toBe("bundle_invalid");
  });

  it("refuses a .tsp whose linked module was changed after packing (hash_mismatch) or is missing (bundle_invalid)", async () => {
    const main = compatWasm("linked-main");
    const math = compatWasm("linked-math");
    const manifest = new TextEncoder().encode(JSON.stringify({ name: "crafted", version: "1.0.0", interface: "extism", hash: sha(main), modules: { math: { path: "math.wasm", hash: sha(math) } } }));
    const changed = math.slice();
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    const engine = await createEngine({ logger: quiet });
    try {
      const tampered = await failure(engine.install(zipSync({ "plugin.json": manifest, "plugin.wasm": main, "math.wasm": changed })));
      expect(tampered.code).toBe("hash_mismatch");
      expect(tampered.message).toContain('linked module "math"');
      const missing = await failure(engine.install(zipSync({ "plugin.json": manifest, "plugin.wasm": main })));
      expect(missing.code).toBe("bundle_invalid");
      expect(missing.message).toContain('"math.wasm"');
    } finally {
      await engine.close();
    }
  });

  it("keeps linked modules in storage: a restarted engine starts the plugin with them, hash-checked", async () => {
    const shared = memoryStorage();
    // Each engine gets a view whose close() keeps the data (a "restart").
    const view = (): StorageDriver => ({ name: shared.name, get: (store, key) => shared.get(store, key), scan: (store, options) => shared.scan(store, options), commit: (batch) => shared.commit(batch), close: async () => undefined });
    const main = compatWasm("linked-main");
    const math = compatWasm("linked-math");
    const manifest = { name: "kept", version: "1.0.0", interface: "extism", hash: sha(main), modules: { math: { path: "math.wasm" } } };
    const first = await createEngine({ logger: quiet, storage: view() });
    await first.install({ manifest, wasm: main, modules: { math } });
    await first.close();
    const record = (await shared.get("bundles", "kept")) as BundleRecord;
    expect(record.moduleHashes).toEqual({ math: sha(math) });
    const second = await createEngine({ logger: quiet, storage: view() });
    try {
      expect((await second.call("kept", "add", "34")).text()).toBe("07");
      expect(second.get("kept")?.linkedModules).toEqual([{ name: "math", sha256: sha(math), imports: [] }]);
    } finally {
      await second.close();
    }
    // A module changed in storage is refused on load (hash_mismatch), not started.
    const changed = math.slice();
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    await shared.commit([{ store: "bundles", key: "kept", value: { ...record, modules: { math: changed } } }]);
    const errors: string[] = [];
    const third = await createEngine({ logger: { ...quiet, error: (m: string) => void errors.push(m), warn: (m: string) => void errors.push(m) }, storage: view() });
    try {
      expect(third.get("kept")?.state).not.toBe("ready");
      expect(errors.join("\n")).toMatch(/linked module "math".*does not match/);
    } finally {
      await third.close();
      await shared.close();
    }
  });
});

