import { parseManifest } from "@threadspace/manifest";
import { readFile } from "node:fs/promises";
import { createEngine } from "../engine.ts";
import { describe, expect, test, vi } from "vitest";
import { watToWasm } from "../limits/test-support/wat.ts";
import { sha256Hex } from "./integrity.ts";
import { ModuleCache, type CompileKey, type CompiledWasm } from "./module-cache.ts";
import { prepareBundle } from "./prepare-bundle.ts";

const wasm = await watToWasm(`(module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 0)))`);
const other = await watToWasm(`(module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 1)))`);
const sha256 = `sha256:${await sha256Hex(wasm)}`;
const key = (overrides: Partial<CompileKey> = {}): CompileKey => ({ sha256, memoryPages: 256, tableElements: 10_000, meterVersion: 2, ...overrides });
const compiled = async (): Promise<CompiledWasm> => {
  const module = await WebAssembly.compile(wasm);
  return { module, shape: { exports: ["run"], imports: [], usesWasi: false }, memoryBefore: undefined, memoryAfter: undefined, notes: [] };
};

describe("ModuleCache", () => {
  test("a hit returns the first compile's module without compiling again", async () => {
    const cache = new ModuleCache();
    const compile = vi.fn(compiled);
    const first = await cache.get(key(), compile);
    const second = await cache.get(key(), compile);
    expect(second.module).toBe(first.module);
    expect(compile).toHaveBeenCalledTimes(1);
  });

  test("installs that overlap share one compile", async () => {
    const cache = new ModuleCache();
    const compile = vi.fn(compiled);
    const [a, b] = await Promise.all([cache.get(key(), compile), cache.get(key(), compile)]);
    expect(a.module).toBe(b.module);
    expect(compile).toHaveBeenCalledTimes(1);
  });

  test("misses on another hash, memory cap, table cap or metering version", async () => {
    const cache = new ModuleCache();
    const compile = vi.fn(compiled);
    await cache.get(key(), compile);
    await cache.get(key({ sha256: "sha256:00" }), compile);
    await cache.get(key({ memoryPages: 16 }), compile);
    await cache.get(key({ memoryPages: undefined }), compile);
    await cache.get(key({ tableElements: 5 }), compile);
    await cache.get(key({ meterVersion: 3 }), compile);
    expect(compile).toHaveBeenCalledTimes(6);
    expect(cache.size).toBe(6);
  });

  test("holds at most maxEntries, evicting the least recently used", async () => {
    const cache = new ModuleCache(2);
    const compile = vi.fn(compiled);
    await cache.get(key({ memoryPages: 1 }), compile);
    await cache.get(key({ memoryPages: 2 }), compile);
    await cache.get(key({ memoryPages: 1 }), compile); // used again: 2 is now the oldest
    await cache.get(key({ memoryPages: 3 }), compile);
    expect(cache.size).toBe(2);
    expect(compile).toHaveBeenCalledTimes(3);
    await cache.get(key({ memoryPages: 1 }), compile);
    expect(compile).toHaveBeenCalledTimes(3);
    await cache.get(key({ memoryPages: 2 }), compile);
    expect(compile).toHaveBeenCalledTimes(4);
    expect(cache.size).toBe(2);
  });

  test("maxEntries 0 keeps nothing; a bad size is refused", async () => {
    const cache = new ModuleCache(0);
    const compile = vi.fn(compiled);
    await cache.get(key(), compile);
    await cache.get(key(), compile);
    expect(compile).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
    expect(() => new ModuleCache(-1)).toThrow(RangeError);
    expect(() => new ModuleCache(1.5)).toThrow(RangeError);
  });

  test("a failed compile is not kept, and a waiter on it compiles for itself", async () => {
    const cache = new ModuleCache();
    const failing = vi.fn(() => Promise.reject(new Error("first install's error")));
    const own = vi.fn(compiled);
    const first = cache.get(key(), failing);
    const waiter = cache.get(key(), own);
    await expect(first).rejects.toThrow("first install's error");
    await expect(waiter).resolves.toMatchObject({ shape: { exports: ["run"] } });
    expect(own).toHaveBeenCalledTimes(1);
    expect(cache.size).toBe(0);
    await cache.get(key(), own);
    expect(own).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(1);
  });
});

describe("prepareBundle with a ModuleCache", () => {
  const bundle = (name: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) => ({ manifest: parseManifest({ name, version: "1.0.0", interface: "extism", ...extra }), wasm: bytes, origin: "test" });

  test("installs of the same bytes share one compiled module; their info is their own", async () => {
    const cache = new ModuleCache();
    const a = await prepareBundle(bundle("a", wasm), { hostFunctions: new Set(), modules: cache });
    const b = await prepareBundle(bundle("b", new Uint8Array(wasm)), { hostFunctions: new Set(), modules: cache });
    expect(b.module).toBe(a.module);
    expect(b.manifest.name).toBe("b");
    expect(b.sha256).toBe(sha256);
    expect(b.memory).toEqual(a.memory);
    expect(Object.isFrozen(a.memory?.after)).toBe(true);
    expect(Object.isFrozen(a.shape.exports)).toBe(true);
    const c = await prepareBundle(bundle("c", other), { hostFunctions: new Set(), modules: cache });
    expect(c.module).not.toBe(a.module);
  });

  test("the hash is still checked against plugin.json when the bytes are cached", async () => {
    const cache = new ModuleCache();
    await prepareBundle(bundle("a", wasm), { hostFunctions: new Set(), modules: cache });
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(prepareBundle(bundle("b", wasm, { hash: wrong }), { hostFunctions: new Set(), modules: cache })).rejects.toMatchObject({ code: "hash_mismatch" });
    const right = await prepareBundle(bundle("c", wasm, { hash: sha256 }), { hostFunctions: new Set(), modules: cache });
    expect(right.sha256).toBe(sha256);
  });

  test("another memory cap compiles another module, capped as asked", async () => {
    const cache = new ModuleCache();
    const wide = await prepareBundle(bundle("a", wasm), { hostFunctions: new Set(), policy: { memoryPages: 64 }, modules: cache });
    const narrow = await prepareBundle(bundle("b", wasm, { limits: { memoryPages: 4 } }), { hostFunctions: new Set(), policy: { memoryPages: 64 }, modules: cache });
    expect(narrow.module).not.toBe(wide.module);
    expect(narrow.memory?.after?.maximum).toBe(4);
    expect(wide.memory?.after?.maximum).toBe(64);
    expect(cache.size).toBe(2);
  });

  test("bytes changed by the caller after install starts are not what gets compiled and cached", async () => {
    const cache = new ModuleCache();
    const mutable = new Uint8Array(wasm);
    expect(other.byteLength).toBe(wasm.byteLength);
    const pending = prepareBundle(bundle("a", mutable), { hostFunctions: new Set(), modules: cache });
    mutable.set(other);
    const a = await pending;
    expect(a.sha256).toBe(sha256);
    const b = await prepareBundle(bundle("b", wasm, { hash: sha256 }), { hostFunctions: new Set(), modules: cache });
    expect(b.module).toBe(a.module);
    const imports = { "threadspace:meter": { refuel: () => 1_000_000, grow_refused: () => undefined } };
    const instance = await WebAssembly.instantiate(b.module, imports);
    expect((instance.exports["run"] as () => number)()).toBe(0);
  });

  test("a failing module's checks run for every install (imports, required exports)", async () => {
    const cache = new ModuleCache();
    const manifest = { interface: "threadspace" };
    await expect(prepareBundle(bundle("a", wasm, manifest), { hostFunctions: new Set(), modules: cache })).rejects.toMatchObject({ code: "export_missing", plugin: "a" });
    await expect(prepareBundle(bundle("b", wasm, manifest), { hostFunctions: new Set(), modules: cache })).rejects.toMatchObject({ code: "export_missing", plugin: "b" });
  });
});

describe("an engine installing one module under many names", () => {
  test("each plugin gets its own instance: state is not shared, an uninstalled one takes none with it", async () => {
    const fixture = new URL("../../../../test/fixtures/", import.meta.url);
    const subscriber = new Uint8Array(await readFile(new URL("build/subscriber.wasm", fixture)));
    const manifest = JSON.parse(await readFile(new URL("wat/subscriber.json", fixture), "utf8")) as Record<string, unknown>;
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const engine = await createEngine({ logger: quiet, grant: true });
    try {
      await engine.install({ manifest: { ...manifest, name: "s1" }, wasm: subscriber });
      await engine.install({ manifest: { ...manifest, name: "s2", subscriptions: ["other.*"] }, wasm: subscriber });
      engine.events.emit("bench.tick", 1);
      await vi.waitFor(() => expect(engine.events.stats("s1").delivered).toBe(1));
      expect((await engine.call("s1", "count")).text()).toBe("1");
      expect((await engine.call("s2", "count")).text()).toBe("0");
      await engine.uninstall("s1", { keepData: false });
      await engine.install({ manifest: { ...manifest, name: "s3" }, wasm: subscriber });
      expect((await engine.call("s3", "count")).text()).toBe("0");
      await expect(engine.install({ manifest: { ...manifest, name: "s4", hash: `sha256:${"0".repeat(64)}` }, wasm: subscriber })).rejects.toMatchObject({ code: "hash_mismatch" });
    } finally {
      await engine.close();
    }
  });
});
