import { createEngine, ThreadspaceError, type BundleParts, type Engine, type EngineOptions, type InstallOptions, type MemoryRecord, type TopicEvent } from "@threadspace/core";
import { generateSigningKey, importSigningKey, packBundle } from "@threadspace/bundle";
import { memoryStorage, type BundleRecord, type StorageDriver, type StorageValue, type StorageWrite } from "@threadspace/storage";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture, moduleOf, packable, sha256 } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";
import { quietLogger } from "../support/quiet-logger.ts";

/** A stored bundle record, as the tests edit it. */
type StoredRecord = Partial<Pick<BundleRecord, "v" | "packed">> & Omit<BundleRecord, "v" | "packed">;

/** One storage location: `open` returns a fresh driver on it (as after a restart); `destroy` removes it. */
export interface PersistenceStorage {
  open(): StorageDriver | Promise<StorageDriver>;
  destroy?(): Promise<unknown>;
}


/** A driver whose commits wait until `release()` (to see what happens before a call's commit). */
function gated(driver: StorageDriver): { driver: StorageDriver; hold(): void; release(): void; commits: number; failNext: Error | undefined } {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const state = {
    commits: 0,
    failNext: undefined as Error | undefined,
    hold: () => void (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      open?.();
      gate = undefined;
    },
    driver: {
      name: driver.name,
      get: (store, key) => driver.get(store, key),
      scan: (store, options) => driver.scan(store, options),
      commit: async (batch: readonly StorageWrite[]) => {
        state.commits++;
        if (gate !== undefined) await gate;
        const failure = state.failNext;
        state.failNext = undefined;
        if (failure !== undefined) throw failure;
        return driver.commit(batch);
      },
      close: () => driver.close(),
    } satisfies StorageDriver,
  };
  return state;
}

/**
 * Engines on a storage driver: a plugin call's writes (memories, threads, kv, events) commit
 * all-or-nothing before the call resolves, survive a restart, and count against the plugin's
 * quota; installed plugins, grants and config come back with a new engine on the same storage.
 */
export function persistenceContract(env: TestEnv, label: string, makeStorage: () => PersistenceStorage | Promise<PersistenceStorage>): void {
  describe(`persistence (${label})`, () => {
    let storage: PersistenceStorage;
    const engines: Engine[] = [];
    afterEach(async () => {
      installs = [];
      for (const engine of engines.splice(0)) await engine.close();
      await storage?.destroy?.();
    });
    const open = async (options: EngineOptions = {}, driver?: StorageDriver): Promise<Engine> => {
      const engine = await createEngine({ grant: true, logger: quietLogger(), ...options, storage: driver ?? (await storage.open()) });
      engines.push(engine);
      return engine;
    };
    /**
     * What the case installed. In workerd every plugin is a precompiled module, which the engine
     * does not store: after a restart the embedder installs the same modules again (docs/edge.md).
     */
    let installs: { name: string; bundle: BundleParts; options: InstallOptions }[] = [];
    const install = async (engine: Engine, bundle: BundleParts, options: InstallOptions = {}): Promise<void> => {
      const { name } = await engine.install(bundle, options);
      installs.push({ name, bundle, options });
    };
    /** Closes `engine` (releasing its driver) and opens a new one on the same storage; in workerd, installs its plugins again. */
    const restart = async (engine: Engine, options: EngineOptions = {}): Promise<Engine> => {
      const names = new Set(engine.list().map((info) => info.name));
      engines.splice(engines.indexOf(engine), 1);
      await engine.close();
      const next = await open(options);
      if (env.runtime !== "workerd") return next;
      installs = installs.filter(({ name }) => names.has(name));
      for (const { bundle, options: installOptions } of installs) await next.install(bundle, installOptions);
      return next;
    };
    const contents = (engine: Engine): string[] => engine.memories.query({ limit: 1000 }).map((memory) => memory.content);

    test("three memories written and then a trap leave none; without the trap, three that survive a restart", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      await expectCode(engine.call("host-data", "put_three_then_trap", { content: "lost" }), "plugin_trap");
      expect(contents(engine)).toEqual([]);
      const reply = (await engine.call("host-data", "put_three", { content: "kept" })).json<{ ok: MemoryRecord }>();
      expect(reply.ok.content).toBe("kept");
      expect(contents(engine)).toEqual(["kept", "kept", "kept"]);

      engine = await restart(engine);
      expect(contents(engine)).toEqual(["kept", "kept", "kept"]);
      expect(engine.memories.get(reply.ok.id)).toEqual(reply.ok);
      // The plugin was installed again (from storage; in workerd by the embedder), with its grants, and reads the same data.
      expect(engine.get("host-data")?.state).toBe("ready");
      expect(engine.permissions.list("host-data")).toContain("memory:read");
      const found = (await engine.call("host-data", "memory_query", { limit: 10 })).json<{ ok: MemoryRecord[] }>();
      expect(found.ok).toHaveLength(3);
    });

    test("an upgrade refused because the new build fails to start stores nothing of it: after a restart the old build, its config and its data are there", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-kv"), { config: { mode: "v1" } });
      await engine.call("host-kv", "set", { key: "schema", value: 1 });
      // Its get_metadata says 2.0.0: installed as 2.1.0 it fails after init_plugin migrated the data.
      await expectCode(engine.install(await fixture(env, "upgrade-migrates", { name: "host-kv", version: "2.1.0" }), { ifInstalled: "upgrade" }), "metadata_mismatch");
      expect(engine.kv("host-kv").get("schema")).toBe(1);

      engine = await restart(engine);
      expect(engine.get("host-kv")).toMatchObject({ version: "1.0.0", state: "ready" });
      expect(engine.config.overrides("host-kv")).toEqual({ mode: "v1" });
      expect(engine.kv("host-kv").get("schema")).toBe(1);
      expect((await engine.call("host-kv", "get", { key: "schema" })).json()).toEqual({ ok: 1 });
    });

    test("threads, entries and kv survive a restart; a trapped kv write does not", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      await install(engine, await fixture(env, "host-kv"));
      await engine.call("host-data", "thread_create", { id: "t1", title: "Notes" });
      await engine.call("host-data", "thread_append", { threadId: "t1", content: "one" });
      await engine.call("host-data", "thread_append", { threadId: "t1", content: "two" });
      await engine.call("host-kv", "set", { key: "a", value: { n: 1, s: "Wörld" } });
      await expectCode(engine.call("host-kv", "set_then_trap", { key: "b", value: 2 }), "plugin_trap");
      engine.threads.append({ threadId: "t1", content: "three" });

      engine = await restart(engine);
      expect(engine.threads.get("t1")).toMatchObject({ id: "t1", title: "Notes", length: 3 });
      expect(engine.threads.read({ threadId: "t1" }).map((entry) => [entry.seq, entry.author, entry.content])).toEqual([
        [0, "host-data", "one"],
        [1, "host-data", "two"],
        [2, "host", "three"],
      ]);
      expect(engine.kv("host-kv").get("a")).toEqual({ n: 1, s: "Wörld" });
      expect(engine.kv("host-kv").keys()).toEqual(["a"]);
      expect((await engine.call("host-kv", "get", { key: "a" })).json()).toEqual({ ok: { n: 1, s: "Wörld" } });
    });

    test("the caller's promise resolves, and the call's events are delivered, only after the commit", async () => {
      storage = await makeStorage();
      const gate = gated(await storage.open());
      const engine = await open({}, gate.driver);
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      const seen: TopicEvent[] = [];
      engine.events.on("memory.*", (event) => void seen.push(event));
      gate.hold();
      const commitsBefore = gate.commits;
      let settled = false;
      const pending = engine.call("host-data", "put_three", { content: "gated" }).finally(() => (settled = true));
      while (gate.commits === commitsBefore) await new Promise((resolve) => setTimeout(resolve, 1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      expect(contents(engine)).toEqual([]);
      expect(seen).toEqual([]);
      gate.release();
      await pending;
      expect(contents(engine)).toEqual(["gated", "gated", "gated"]);
      expect(seen.map((event) => event.topic)).toEqual(["memory.created", "memory.created", "memory.created"]);
    });

    test("a failed driver commit fails the call with the driver's error, and nothing of it is visible", async () => {
      storage = await makeStorage();
      const gate = gated(await storage.open());
      const engine = await open({}, gate.driver);
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      const seen: TopicEvent[] = [];
      engine.events.on("memory.*", (event) => void seen.push(event));
      gate.failNext = new ThreadspaceError("storage_unavailable", "the database was deleted");
      await expectCode(engine.call("host-data", "put_three", { content: "lost" }), "storage_unavailable");
      expect(contents(engine)).toEqual([]);
      expect(seen).toEqual([]);
      // The plugin goes on: the next call commits.
      await engine.call("host-data", "put_three", { content: "kept" });
      expect(contents(engine)).toEqual(["kept", "kept", "kept"]);
    });

    test("config.set resolves once the overrides are stored; a failed commit rejects it and changes nothing", async () => {
      storage = await makeStorage();
      const gate = gated(await storage.open());
      const engine = await open({}, gate.driver);
      await install(engine, await fixture(env, "ok"), { config: { greeting: "hello" } });
      gate.hold();
      let settled = false;
      const setting = engine.config.set("ok", { greeting: "hi" }).then(() => void (settled = true));
      await expect.poll(() => gate.commits).toBeGreaterThan(0);
      expect(settled).toBe(false); // waiting for the commit
      expect(engine.config.get("ok").greeting).toBe("hello"); // not applied before it is stored
      gate.release();
      await setting;
      expect(engine.config.get("ok").greeting).toBe("hi");
      gate.failNext = new ThreadspaceError("storage_unavailable", "the database was deleted");
      await expectCode(engine.config.set("ok", { greeting: "lost" }), "storage_unavailable");
      expect(engine.config.get("ok").greeting).toBe("hi");
      const restarted = await restart(engine);
      expect(restarted.config.get("ok").greeting).toBe("hi");
    });

    // Grants are stored by the wasm's sha256, which a module has none of: in workerd the embedder grants at each install.
    test.skipIf(env.runtime === "workerd")("grant and revoke act at once and resolve once stored; a failed commit rejects (and is logged) while the change stays in effect", async () => {
      storage = await makeStorage();
      const gate = gated(await storage.open());
      const logger = quietLogger();
      const engine = await open({ grant: false, logger }, gate.driver);
      await install(engine, await fixture(env, "host-kv"));
      gate.hold();
      let stored = false;
      const granting = engine.permissions.grant("host-kv", ["kv"]).then(() => void (stored = true));
      expect(engine.permissions.list("host-kv")).toEqual(["kv"]); // in effect before it is stored
      await expect.poll(() => gate.commits).toBeGreaterThan(0);
      expect(stored).toBe(false);
      gate.release();
      await granting;
      gate.failNext = new ThreadspaceError("storage_unavailable", "the database was deleted");
      await expectCode(engine.permissions.revoke("host-kv", ["kv"]), "storage_unavailable");
      expect(engine.permissions.list("host-kv")).toEqual([]);
      expect(logger.errors.join("\n")).toMatch(/storing a write of host failed.*the database was deleted/);
      // Unawaited, a failure is logged and not an unhandled rejection.
      gate.failNext = new ThreadspaceError("storage_unavailable", "gone again");
      void engine.permissions.grant("host-kv", ["kv"]);
      await expect.poll(() => logger.errors.join("\n")).toMatch(/gone again/);
      // The last stored grant ("kv") is what a restart finds.
      const restarted = await restart(engine, { grant: false });
      expect(restarted.permissions.list("host-kv")).toEqual(["kv"]);
    });

    test("concurrent calls of two plugins all commit, each all-or-nothing, and survive a restart", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      await install(engine, await fixture(env, "host-data", { name: "second", interface: "extism", subscriptions: [] }));
      const calls = [];
      for (let i = 0; i < 10; i++) {
        calls.push(engine.call("host-data", "put_three", { content: `a${i}` }));
        calls.push(engine.call("second", "put_three", { content: `b${i}` }));
        if (i % 3 === 0) calls.push(engine.call("second", "put_three_then_trap", { content: "lost" }).catch(() => undefined));
      }
      await Promise.all(calls);
      expect(contents(engine)).toHaveLength(60);
      engine = await restart(engine);
      const after = contents(engine);
      expect(after).toHaveLength(60);
      expect(after.filter((content) => content === "lost")).toEqual([]);
    });

    test("a plugin in worker isolation commits the same way", async () => {
      storage = await makeStorage();
      let engine = await open({ isolation: { whenWorkerUnavailable: "inline" } });
      await install(engine, await fixture(env, "host-kv", { limits: { isolation: "worker" } }));
      expect((await engine.call("host-kv", "set", { key: "w", value: [1, 2, 3] })).json()).toEqual({ ok: true });
      await expectCode(engine.call("host-kv", "set_then_trap", { key: "x", value: 1 }), "plugin_trap");
      engine = await restart(engine, { isolation: { whenWorkerUnavailable: "inline" } });
      expect(engine.kv("host-kv").keys()).toEqual(["w"]);
      expect((await engine.call("host-kv", "get", { key: "w" })).json()).toEqual({ ok: [1, 2, 3] });
    });

    test("over the plugin's quota the call fails with quota_exceeded and earlier data stays", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-kv", { limits: { storageBytes: 300 } }));
      expect((await engine.call("host-kv", "set", { key: "a", value: "x".repeat(100) })).json()).toEqual({ ok: true });
      await expectCode(engine.call("host-kv", "set", { key: "b", value: "y".repeat(200) }), "quota_exceeded");
      expect(engine.kv("host-kv").keys()).toEqual(["a"]);
      // Shrinking always passes; the freed bytes can be used again.
      expect((await engine.call("host-kv", "delete", { key: "a" })).json()).toEqual({ ok: true });
      expect((await engine.call("host-kv", "set", { key: "b", value: "y".repeat(200) })).json()).toEqual({ ok: true });
      engine = await restart(engine);
      expect(engine.kv("host-kv").keys()).toEqual(["b"]);
      await expectCode(engine.call("host-kv", "set", { key: "c", value: "z".repeat(200) }), "quota_exceeded");
    });

    test("the host's policy sets the default quota (limits.defaults.storageBytes)", async () => {
      storage = await makeStorage();
      const engine = await open({ limits: { defaults: { storageBytes: 200 } } });
      await install(engine, await fixture(env, "host-kv"));
      await expectCode(engine.call("host-kv", "set", { key: "a", value: "x".repeat(300) }), "quota_exceeded");
      expect(engine.kv("host-kv").keys()).toEqual([]);
    });

    // In workerd every plugin is a module, which is not stored: the embedder installs them at each start (the case below).
    test.skipIf(env.runtime === "workerd")("installed plugins come back with their grants and config; uninstalled ones do not", async () => {
      storage = await makeStorage();
      let engine = await open({ grant: false });
      await install(engine, await fixture(env, "host-kv"));
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }), { config: { enabled: false } });
      await install(engine, await fixture(env, "ok"));
      engine.permissions.grant("host-kv", ["kv"]);
      await engine.uninstall("ok");

      engine = await restart(engine, { grant: false });
      expect(engine.list().map((info) => [info.name, info.state]).sort()).toEqual([
        ["host-data", "disabled"],
        ["host-kv", "ready"],
      ]);
      expect(engine.permissions.list("host-kv")).toEqual(["kv"]);
      expect((await engine.call("host-kv", "set", { key: "a", value: 1 })).json()).toEqual({ ok: true });
      await engine.config.set("host-data", { enabled: true });
      expect(engine.get("host-data")?.state).toBe("ready");
      engine.permissions.revoke("host-kv", ["kv"]);

      engine = await restart(engine, { grant: false });
      expect(engine.get("host-data")?.state).toBe("ready");
      expect(engine.permissions.list("host-kv")).toEqual([]);
      expect(engine.restoreErrors.size).toBe(0);
    });

    test("a plugin installed from a module is not stored; installed again after a restart, it finds its data and the config stored for it", async () => {
      storage = await makeStorage();
      const bundle = { manifest: await env.fixtureManifest("host-kv"), wasm: await moduleOf(await env.fixtureWasm("host-kv")) };
      const installOptions: InstallOptions = { grant: ["kv"], config: { greeting: "install" } };
      let engine = await open({ grant: false });
      await engine.install(bundle, installOptions);
      await engine.call("host-kv", "set", { key: "a", value: 1 });
      await engine.config.set("host-kv", { greeting: "set" });

      engine = await restart(engine, { grant: false });
      expect(engine.list()).toEqual([]);
      expect(engine.restoreErrors.size).toBe(0);
      // The embedder installs it again, with its grants; the config set after the install wins over the install's.
      await engine.install(bundle, installOptions);
      expect(engine.kv("host-kv").get("a")).toBe(1);
      expect((await engine.call("host-kv", "get", { key: "a" })).json()).toEqual({ ok: 1 });
      expect((await engine.health("host-kv")).engine.history).toMatchObject({ calls: 2, errors: 0 });
      expect(engine.config.get("host-kv").greeting).toBe("set");
      await engine.uninstall("host-kv");

      // Uninstalling forgets its config: installed again, it has the install's.
      engine = await restart(engine, { grant: false });
      await engine.install(bundle, installOptions);
      expect(engine.config.get("host-kv").greeting).toBe("install");
    });

    test("health history, the event log and unloaded plugins survive a restart", async () => {
      storage = await makeStorage();
      const options: EngineOptions = { eventLogSize: 8 };
      let engine = await open(options);
      await install(engine, await fixture(env, "host-kv"));
      await install(engine, await fixture(env, "host-data", { subscriptions: [] }));
      for (let i = 0; i < 3; i++) await engine.call("host-kv", "set", { key: `k${i}`, value: i });
      await expectCode(engine.call("host-kv", "set_then_trap", { key: "x", value: 1 }), "plugin_trap");
      const before = (await engine.health("host-kv")).engine.history;
      expect(before).toMatchObject({ calls: 4, errors: 1, timeouts: 0, circuitOpens: 0, lastErrorCode: "plugin_trap" });
      for (let i = 0; i < 20; i++) engine.events.emit("app.saved", { n: i });
      expect(engine.events.recent().map((event) => event.payload)).toEqual(Array.from({ length: 8 }, (_, i) => ({ n: 12 + i })));
      const lastSeq = engine.events.recent({ limit: 1 })[0]?.seq ?? -1;
      await engine.unload("host-data");

      engine = await restart(engine, options);
      // Counters and the last error, as engine.health and debugInfo report them, carried over.
      const after = (await engine.health("host-kv")).engine.history;
      expect(after).toEqual(before);
      await engine.call("host-kv", "set", { key: "k3", value: 3 });
      expect((await engine.debugInfo("host-kv")).engine?.history).toMatchObject({ calls: 5, errors: 1, lastErrorCode: "plugin_trap", since: before?.since });
      // The event log: the last 8 events, then what happened since (seqs go on counting).
      const recent = engine.events.recent();
      expect(recent).toHaveLength(8);
      const saved = recent.filter((event) => event.topic === "app.saved");
      expect(saved.map((event) => event.payload)).toEqual(saved.map((_, i) => ({ n: 20 - saved.length + i })));
      expect(saved.every((event) => event.source === "host" && event.seq <= lastSeq)).toBe(true);
      expect(recent.some((event) => event.topic === "plugin.unloaded" && (event.payload as { name: string }).name === "host-data")).toBe(true);
      // Restored from storage: plugin.restored (in workerd the worker installs its modules again: plugin.installed).
      expect(recent.filter((event) => event.seq > lastSeq).map((event) => event.topic)).toContain(env.runtime === "workerd" ? "plugin.installed" : "plugin.restored");
      expect(engine.get("host-kv")?.state).toBe("ready");
      // The plugin the embedder unloaded is installed but not loaded; loading it is remembered too.
      // (Kept in its stored bundle: in workerd the embedder installs its modules again, loaded.)
      if (env.runtime !== "workerd") {
        expect(engine.get("host-data")?.state).toBe("unloaded");
        await engine.load("host-data");
        engine = await restart(engine, options);
        expect(engine.get("host-data")?.state).toBe("ready");
      }

      // The stored log is bounded too; uninstalling forgets the plugin's history.
      await engine.uninstall("host-kv");
      engines.splice(engines.indexOf(engine), 1);
      await engine.close();
      const driver = await storage.open();
      expect((await driver.scan("events")).length).toBeLessThanOrEqual(8);
      expect(await driver.get("health", "host-kv")).toBeUndefined();
      expect(await driver.get("health", "host-data")).toBeDefined();
      await driver.close();
    });

    test("the embedder's durable writes resolve after their commit, survive a restart, and a refused one keeps nothing", async () => {
      storage = await makeStorage();
      let engine = await open();
      await install(engine, await fixture(env, "host-kv", { limits: { storageBytes: 300 } }));
      const seen: string[] = [];
      engine.events.on("memory.*", (event) => void seen.push(event.topic));

      // Visible (and its event published) only once stored, like a plugin call's writes.
      const pending = engine.memories.put({ id: "durable-1", content: "durable" }, { durable: true });
      expect(engine.memories.get("durable-1")).toBeUndefined();
      expect(seen).toEqual([]);
      const note = await pending;
      expect(note).toMatchObject({ id: "durable-1", content: "durable" });
      expect(engine.memories.get("durable-1")).toEqual(note);
      expect(seen).toEqual(["memory.created"]);
      const gone = await engine.memories.put({ content: "to delete" }, { durable: true });
      expect(await engine.memories.delete(gone.id, { durable: true })).toBe(true);
      expect(await engine.memories.delete(gone.id, { durable: true })).toBe(false);
      expect((await engine.threads.create({ id: "d1", title: "Durable" }, { durable: true })).id).toBe("d1");
      expect(await engine.threads.append({ threadId: "d1", content: "one" }, { durable: true })).toBe(0);
      await engine.kv("host-kv").set("a", "x".repeat(100), { durable: true });
      // Over the plugin's quota: rejected with quota_exceeded, nothing applied, earlier data intact.
      await expectCode(engine.kv("host-kv").set("b", "y".repeat(300), { durable: true }), "quota_exceeded");
      expect(engine.kv("host-kv").keys()).toEqual(["a"]);
      expect(await engine.kv("host-kv").delete("missing", { durable: true })).toBe(false);
      // A refused request rejects too (the same checks as without `durable`).
      await expectCode(engine.memories.put({ content: 42 } as never, { durable: true }), "bad_input");
      // Without `durable`, as before: applied at once, the value returned synchronously.
      expect(engine.memories.put({ content: "behind" }).content).toBe("behind");

      engine = await restart(engine);
      expect(engine.memories.get("durable-1")).toEqual(note);
      expect(engine.memories.get(gone.id)).toBeUndefined();
      expect(contents(engine).sort()).toEqual(["behind", "durable"]);
      expect(engine.threads.read({ threadId: "d1" }).map((entry) => entry.content)).toEqual(["one"]);
      expect(engine.kv("host-kv").get("a")).toBe("x".repeat(100));
    });

    test("a durable write rejects with storage_unavailable when the storage is gone, and keeps nothing", async () => {
      storage = await makeStorage();
      // (A driver of its own: the memory "location" above shares its data, so its close() keeps it open.)
      const driver = memoryStorage();
      const logger = quietLogger();
      const engine = await open({ logger }, driver);
      await driver.close(); // the storage went away under the engine
      await expectCode(engine.memories.put({ id: "lost", content: "lost" }, { durable: true }), "storage_unavailable");
      await expectCode(engine.threads.create({ id: "lost" }, { durable: true }), "storage_unavailable");
      expect(engine.memories.get("lost")).toBeUndefined();
      expect(engine.threads.get("lost")).toBeUndefined();
      // A write without `durable` still applies at once; its storage failure is only logged.
      engine.memories.put({ id: "behind", content: "behind" });
      expect(engine.memories.get("behind")?.content).toBe("behind");
      await engine.close();
      expect(logger.errors.join("\n")).toMatch(/storing a write of host failed/);
    });

    // No wasm is stored for a module (workerd), so none can stop matching.
    test.skipIf(env.runtime === "workerd")("a stored wasm that no longer matches its sha256 is not started (hash_mismatch) and its data is kept", async () => {
      storage = await makeStorage();
      const first = await open();
      await install(first, await fixture(env, "host-kv"));
      await first.call("host-kv", "set", { key: "a", value: 1 });
      engines.splice(engines.indexOf(first), 1);
      await first.close();

      const driver = await storage.open();
      const bundle = (await driver.get("bundles", "host-kv")) as { wasm: Uint8Array } & Record<string, never>;
      const wasm = new Uint8Array(bundle.wasm);
      wasm[wasm.length - 1] = (wasm[wasm.length - 1] ?? 0) ^ 0xff;
      await driver.commit([{ store: "bundles", key: "host-kv", value: { ...bundle, wasm } }]);
      const engine = await open({}, driver);
      expect(engine.get("host-kv")).toBeUndefined();
      expect(engine.restoreErrors.get("host-kv")?.code).toBe("hash_mismatch");
      expect(await driver.get("kv", "host-kv\u0000a")).toBe(1);
      expect(await driver.get("bundles", "host-kv")).toBeDefined();
      // Uninstalling it forgets its stored bundle (its data stays, as for any uninstall).
      await engine.uninstall("host-kv");
      expect(engine.restoreErrors.size).toBe(0);
      expect(await driver.get("bundles", "host-kv")).toBeUndefined();
    });

    /** Closes `engine`, applies `edit` to the stored bundle record of `name`, and opens an engine with `options` on it. */
    const restartEdited = async (engine: Engine, name: string, edit: (record: StoredRecord) => StoredRecord, options: EngineOptions = {}): Promise<{ engine: Engine; driver: StorageDriver }> => {
      engines.splice(engines.indexOf(engine), 1);
      await engine.close();
      const driver = await storage.open();
      const record = (await driver.get("bundles", name)) as StoredRecord;
      await driver.commit([{ store: "bundles", key: name, value: edit(record) as unknown as StorageValue }]);
      return { engine: await open(options, driver), driver };
    };
    const newKey = async () => {
      const generated = await generateSigningKey();
      return { signer: await importSigningKey(generated.privateJwk), publicKey: generated.publicKey };
    };

    // A .tsp carries wasm bytes, which workerd does not compile: no .tsp is installed (or stored) there.
    test.skipIf(env.runtime === "workerd")("a plugin installed from a signed .tsp comes back with its signature checked again under the current trustedKeys", async () => {
      storage = await makeStorage();
      const { signer, publicKey } = await newKey();
      let engine = await open({ trustedKeys: [publicKey] });
      const tsp = await packBundle(await packable(env, "host-kv"), { signer });
      expect((await engine.install(tsp)).signature).toEqual({ state: "trusted", keyId: signer.publicKey.id });
      await engine.call("host-kv", "set", { key: "a", value: 1 });

      engine = await restart(engine, { trustedKeys: [publicKey] });
      expect(engine.restoreErrors.size).toBe(0);
      expect(engine.get("host-kv")).toMatchObject({ state: "ready", signature: { state: "trusted", keyId: signer.publicKey.id } });
      expect((await engine.call("host-kv", "get", { key: "a" })).json()).toEqual({ ok: 1 });

      // Without trustedKeys the same stored signature is valid but untrusted, and the plugin starts.
      engine = await restart(engine);
      expect(engine.get("host-kv")).toMatchObject({ state: "ready", signature: { state: "untrusted", keyId: signer.publicKey.id } });

      // Its key removed from trustedKeys (another one required): not started, its bundle and data kept.
      const other = await newKey();
      const restarted = await restartEdited(engine, "host-kv", (record) => record, { trustedKeys: [other.publicKey] });
      engine = restarted.engine;
      expect(engine.get("host-kv")).toBeUndefined();
      const error = engine.restoreErrors.get("host-kv");
      expect(error?.code).toBe("signature_untrusted");
      expect(error?.message).toContain(signer.publicKey.id);
      expect(await restarted.driver.get("kv", "host-kv\u0000a")).toBe(1);
    });

    test.skipIf(env.runtime === "workerd")("under requireSignature, a stored bundle whose signature was stripped or whose plugin.json or wasm was changed in storage is not started", async () => {
      storage = await makeStorage();
      const { signer, publicKey } = await newKey();
      const trusted: EngineOptions = { trustedKeys: [publicKey] };
      let engine = await open(trusted);
      await engine.install(await packBundle(await packable(env, "host-kv"), { signer }));
      let original = undefined as unknown as StoredRecord;
      engine = (await restartEdited(engine, "host-kv", (record) => (original = record), trusted)).engine;
      const packed = original.packed as NonNullable<StoredRecord["packed"]>;
      const withKv = (manifest: Uint8Array, fields: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(manifest)), ...fields }));
      const wasm = new Uint8Array([...original.wasm, 0, 1, 0]); // an empty custom section: still valid wasm
      const wasmHash = await sha256(wasm);
      const cases: [string, (record: StoredRecord) => StoredRecord, string][] = [
        ["signature stripped", (record) => ({ ...record, packed: { manifest: packed.manifest } }), "signature_untrusted"],
        ["stored as a version 1 record (nothing of the .tsp kept)", ({ v: _v, packed: _p, ...record }) => record, "signature_untrusted"],
        ["a permission added to plugin.json", (record) => ({ ...record, packed: { ...packed, manifest: withKv(packed.manifest, { permissions: ["kv", "memory:write"] }) } }), "signature_invalid"],
        ["the wasm and its sha256 replaced", (record) => ({ ...record, wasm, hash: wasmHash }), "hash_mismatch"],
        ["the wasm replaced and plugin.json's hash rewritten", (record) => ({ ...record, wasm, hash: wasmHash, packed: { ...packed, manifest: withKv(packed.manifest, { hash: wasmHash }) } }), "signature_invalid"],
      ];
      for (const [what, edit, code] of cases) {
        const restarted = await restartEdited(engine, "host-kv", edit, trusted);
        engine = restarted.engine;
        expect(engine.get("host-kv"), what).toBeUndefined();
        expect(engine.restoreErrors.get("host-kv")?.code, what).toBe(code);
        expect(await restarted.driver.get("bundles", "host-kv"), what).toBeDefined();
        engine = (await restartEdited(engine, "host-kv", () => original, trusted)).engine;
        expect(engine.get("host-kv")?.signature, what).toEqual({ state: "trusted", keyId: signer.publicKey.id });
      }
      // Without requireSignature a stripped signature is reported truthfully, a changed plugin.json still refused.
      engine = (await restartEdited(engine, "host-kv", cases[0]?.[1] as (record: StoredRecord) => StoredRecord)).engine;
      expect(engine.get("host-kv")).toMatchObject({ state: "ready", signature: { state: "unsigned" } });
      engine = (await restartEdited(engine, "host-kv", cases[2]?.[1] as (record: StoredRecord) => StoredRecord)).engine;
      expect(engine.restoreErrors.get("host-kv")?.code).toBe("signature_invalid");
    });
  });
}
