/**
 * Issue 10, item 17: data left behind by `uninstall`. A different plugin installed later under
 * the same name must not read the old plugin's kv, nor find its quota used by the old data,
 * unless the embedder hands the data over (`install(..., { data: "inherit" })`). The same plugin
 * (same wasm, or same signer) gets its data back. `uninstall(name, { keepData: false })` and
 * `engine.data.remove(name)` remove a plugin's data; the result of `uninstall` says what was kept.
 * Run on every driver (none, memory, file, IndexedDB), and across a restart where there is storage.
 */
import { createEngine, type BundleParts, type Engine, type EngineLogger, type EngineOptions } from "@threadspace/core";
import type { StorageDriver } from "@threadspace/storage";
import { afterEach, describe, expect, test } from "vitest";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";
import { expectCode } from "../contract/expect-error.ts";

/** Where an engine keeps its data: `open` returns a driver on the same place (as after a restart); none: memory only. */
export interface DataStorage {
  open(): StorageDriver | Promise<StorageDriver>;
  destroy?(): Promise<unknown>;
}

const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const QUOTA = 40_000;
/** A value of about 30 KB: two of them do not fit in the quota. */
const BIG = "x".repeat(30_000);

/** The same plugin under another build: a custom section appended makes another sha256. */
function otherBuild(wasm: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode("other");
  const payload = new Uint8Array([name.length, ...name, 1, 2, 3]);
  return new Uint8Array([...wasm, 0, payload.length, ...payload]);
}

export function uninstallDataContract(env: TestEnv, label: string, makeStorage: (() => DataStorage | Promise<DataStorage>) | undefined): void {
  describe(`data after uninstall (${label})`, () => {
    let storage: DataStorage | undefined;
    const engines: Engine[] = [];
    afterEach(async () => {
      for (const engine of engines.splice(0)) await engine.close();
      await storage?.destroy?.();
      storage = undefined;
    });
    const open = async (options: EngineOptions = {}): Promise<Engine> => {
      storage ??= await makeStorage?.();
      const engine = await createEngine({ grant: true, logger: quiet, limits: { defaults: { storageBytes: QUOTA } }, ...options, ...(storage === undefined ? {} : { storage: await storage.open() }) });
      engines.push(engine);
      return engine;
    };
    const restart = async (engine: Engine): Promise<Engine> => {
      await engine.close();
      engines.splice(engines.indexOf(engine), 1);
      return open();
    };
    const plugins = async (): Promise<{ a: BundleParts; b: BundleParts }> => {
      const a = await fixture(env, "host-kv");
      return { a, b: { ...a, wasm: otherBuild(a.wasm as Uint8Array) } };
    };
    const kv = async (engine: Engine, fn: "get" | "set", request: Record<string, unknown>) => (await engine.call("host-kv", fn, request)).json<{ ok?: unknown; error?: { code: string } }>();

    test("the issue's attack: a different wasm under the same name neither reads the old kv nor inherits its quota use", async () => {
      const { a, b } = await plugins();
      const engine = await open();
      await engine.install(a);
      expect(await kv(engine, "set", { key: "secret", value: BIG })).toEqual({ ok: true });
      const result = await engine.uninstall("host-kv");
      expect(result).toMatchObject({ uninstalled: ["host-kv"], data: "kept", kept: { kv: 1 } });
      // Installing another wasm under the name is refused while the old data is there...
      await expectCode(engine.install(b), "data_conflict");
      expect(engine.get("host-kv")).toBeUndefined();
      // ...and with { data: "discard" } it starts empty, its whole quota free.
      await engine.install(b, { data: "discard" });
      expect(await kv(engine, "get", { key: "secret" })).toEqual({ ok: null });
      if (storage !== undefined) expect(await kv(engine, "set", { key: "mine", value: BIG })).toEqual({ ok: true });
      expect(engine.data.kept("host-kv")).toBeUndefined(); // installed: nothing is "kept" for it
    });

    test("the same wasm gets its data back without asking; another wasm only with { data: 'inherit' }", async () => {
      const { a, b } = await plugins();
      const engine = await open();
      await engine.install(a);
      await kv(engine, "set", { key: "n", value: 1 });
      await engine.uninstall("host-kv");
      await engine.install(a);
      expect(await kv(engine, "get", { key: "n" })).toEqual({ ok: 1 });
      await engine.uninstall("host-kv");
      await engine.install(b, { data: "inherit" });
      expect(await kv(engine, "get", { key: "n" })).toEqual({ ok: 1 });
      // Handed over: the data now belongs to b; a is the stranger now.
      await engine.uninstall("host-kv");
      await expectCode(engine.install(a), "data_conflict");
    });

    test("uninstall(name, { keepData: false }) removes the data and says so", async () => {
      const { a } = await plugins();
      const engine = await open();
      await engine.install(a);
      await kv(engine, "set", { key: "secret", value: BIG });
      expect(await engine.uninstall("host-kv", { keepData: false })).toMatchObject({ uninstalled: ["host-kv"], data: "removed" });
      expect(engine.data.kept("host-kv")).toBeUndefined();
      await engine.install(a);
      expect(await kv(engine, "get", { key: "secret" })).toEqual({ ok: null });
      if (storage !== undefined) expect(await kv(engine, "set", { key: "again", value: BIG })).toEqual({ ok: true });
    });

    test("engine.data.remove(name) removes data kept after an uninstall; refused while installed", async () => {
      const { a, b } = await plugins();
      const engine = await open();
      await engine.install(a);
      await kv(engine, "set", { key: "k", value: "v" });
      await expectCode(engine.data.remove("host-kv"), "bad_input");
      await engine.uninstall("host-kv");
      expect(engine.data.kept("host-kv")).toMatchObject({ kv: 1 });
      expect(await engine.data.remove("host-kv")).toMatchObject({ kv: 1 });
      expect(engine.data.kept("host-kv")).toBeUndefined();
      await engine.install(b); // nothing left to conflict with
      expect(await kv(engine, "get", { key: "k" })).toEqual({ ok: null });
    });

    test.skipIf(makeStorage === undefined)("memories and threads: kept and counted with the plugin; removed memories go, threads stay but stop counting against the name", async () => {
      const data = await fixture(env, "host-data");
      const engine = await open();
      await engine.install(data);
      const call = async (fn: string, request: Record<string, unknown>) => (await engine.call("host-data", fn, request)).json<{ ok?: { id?: string } }>();
      const memory = (await call("memory_put", { content: BIG })).ok?.id as string;
      await call("thread_create", { id: "t", title: "mine" });
      await call("thread_append", { threadId: "t", content: "one" });
      const kept = await engine.uninstall("host-data");
      expect(kept.kept).toMatchObject({ memories: 1, threads: 1, entries: 1 });
      // A different build under the name must not count the old rows against its quota either.
      await engine.install({ ...data, wasm: otherBuild(data.wasm as Uint8Array) }, { data: "discard" });
      expect(engine.memories.get(memory)).toBeUndefined();
      expect(engine.threads.read({ threadId: "t" }).map((entry) => entry.content)).toEqual(["one"]);
      expect((await call("memory_put", { content: BIG })).ok).toBeDefined();
      expect((await engine.uninstall("host-data", { keepData: false })).kept).toMatchObject({ kv: 0, memories: 0, threads: 0, entries: 0 });
    });

    test.skipIf(makeStorage === undefined)("across a restart: the kept data stays bound to the plugin that wrote it", async () => {
      const { a, b } = await plugins();
      let engine = await open();
      await engine.install(a);
      await kv(engine, "set", { key: "secret", value: BIG });
      await engine.uninstall("host-kv");
      engine = await restart(engine);
      expect(engine.data.kept("host-kv")).toMatchObject({ kv: 1 });
      await expectCode(engine.install(b), "data_conflict");
      await engine.install(a);
      expect(await kv(engine, "get", { key: "secret" })).toEqual({ ok: BIG });
      await engine.uninstall("host-kv", { keepData: false });
      engine = await restart(engine);
      expect(engine.data.kept("host-kv")).toBeUndefined();
      await engine.install(b);
      expect(await kv(engine, "get", { key: "secret" })).toEqual({ ok: null });
      expect(await kv(engine, "set", { key: "mine", value: BIG })).toEqual({ ok: true });
    });
  });
}
