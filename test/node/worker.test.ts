import type { Endpoint } from "comlink";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CallResult, ThreadspaceError, isThreadspaceError, typedPlugin, type Engine } from "@threadspace/core";
import { connectEngine, exposeEngine, type RemoteEngine } from "@threadspace/worker";
import { nodeEnv } from "./node-env.ts";
import { createEngine } from "@threadspace/core";
import { memoryStorage } from "@threadspace/storage";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The same facade the Web Worker serves, over a MessageChannel (Node has no module Web Workers). */
describe("@threadspace/worker over a MessageChannel", () => {
  let channel: MessageChannel;
  let local: Engine;
  let engine: RemoteEngine;

  beforeEach(async () => {
    channel = new MessageChannel();
    const served = exposeEngine({ logger: quiet }, { endpoint: channel.port1 as unknown as Endpoint });
    engine = await connectEngine(channel.port2 as unknown as Endpoint);
    local = await served;
  });

  afterEach(async () => {
    await engine.close();
    channel.port1.close();
    channel.port2.close();
  });

  test("installs, calls and lists, with the engine's state visible on both sides", async () => {
    await engine.install(nodeEnv.exampleSource("hello"));
    const result = await engine.call("hello", "greet", "Node");
    expect(result).toBeInstanceOf(CallResult);
    expect(result.text()).toBe("Hello, Node!");
    expect(local.list().map((plugin) => plugin.name)).toEqual(["hello"]);
    expect((await engine.get("hello"))?.sha256).toBe(local.get("hello")?.sha256);
  });

  test("export schemas cross: engine.get(name).exports carries them, bad_input keeps its issues, typedPlugin works on the remote engine", async () => {
    await engine.install(nodeEnv.exampleSource("count-vowels"));
    const exported = (await engine.get("count-vowels"))?.exports.find((e) => e.name === "count_vowels");
    expect(exported?.input).toEqual({ encoding: "text", type: "string", description: "Any UTF-8 text." });
    expect(exported?.output).toMatchObject({ type: "object", required: ["count", "total", "vowels"] });
    const refused = await engine.call("count-vowels", "count_vowels", new Uint8Array([0xff])).catch((error: unknown) => error);
    expect(isThreadspaceError(refused, "bad_input")).toBe(true);
    expect((refused as ThreadspaceError).issues).toEqual([{ path: "$", message: "is not UTF-8 text" }]);
    const client = typedPlugin<{ count_vowels: { input: string; output: { count: number } } }>(engine, "count-vowels");
    expect(await client.count_vowels("aei")).toMatchObject({ count: 3 });
  });

  test("errors keep their code, and a page hook's ThreadspaceError rejects the call", async () => {
    await engine.install(nodeEnv.exampleSource("hello"));
    const missing = await engine.call("hello", "nope").catch((error: unknown) => error);
    expect(isThreadspaceError(missing, "export_missing")).toBe(true);
    const off = await engine.hook("call:before", () => {
      throw new ThreadspaceError("busy", "the page is busy.", { plugin: "hello" });
    });
    const refused = await engine.call("hello", "greet", "x").catch((error: unknown) => error);
    expect(isThreadspaceError(refused, "busy")).toBe(true);
    expect((refused as ThreadspaceError).message).toBe("[threadspace] [plugin hello] the page is busy.");
    await off();
    expect((await engine.call("hello", "greet", "x")).text()).toBe("Hello, x!");
    const unknown = await engine.config.set("ghost", {}).catch((error: unknown) => error);
    expect(isThreadspaceError(unknown, "plugin_not_found")).toBe(true);
  });

  test("a recorded call's trace crosses as plain JSON; replay and traces work from the page", async () => {
    await engine.install(nodeEnv.exampleSource("memory-analyzer"), { grant: true });
    const memory = local.memories.put({ content: "Traces cross worker boundaries as JSON." });
    const recorded = await engine.call("memory-analyzer", "analyze_memory", memory.id, { record: true });
    expect(recorded.trace?.host.map((h) => h.fn)).toContain("ts_memory_get");
    await engine.uninstall("memory-analyzer", { keepData: false });
    await engine.memories.delete(memory.id);
    await engine.install(nodeEnv.exampleSource("memory-analyzer"), { grant: true });
    const replay = await engine.replay(recorded.trace);
    expect(replay).toMatchObject({ same: true, differences: [] });
    expect(replay.output).toBeInstanceOf(CallResult);
    expect(replay.output?.text()).toBe(recorded.text());
    await engine.call("memory-analyzer", "nope", "", { record: true }).catch(() => undefined);
    expect((await engine.traces("memory-analyzer")).map((t) => t.result)).toEqual([{ error: { code: "export_missing", message: expect.stringContaining("nope") } }]);
    const refused = await engine.replay({ format: "threadspace-trace", version: 0 }).catch((error: unknown) => error);
    expect(isThreadspaceError(refused, "bad_input")).toBe(true);
    expect((refused as ThreadspaceError).issues.map((i) => i.path)).toEqual(["$.version"]);
  });

  test("an emit on the engine's side reaches the page's handler", async () => {
    const seen: unknown[] = [];
    const off = await engine.events.on("app.*", (event) => void seen.push(event.payload));
    local.events.emit("app.one", { n: 1 });
    await engine.events.emit("app.two", { n: 2 });
    await expect.poll(() => seen).toEqual([{ n: 1 }, { n: 2 }]);
    await off();
    // The engine's bounded log of recent events, read across the boundary.
    const recent = await engine.events.recent();
    expect(recent.map((event) => [event.topic, event.payload])).toEqual([
      ["app.one", { n: 1 }],
      ["app.two", { n: 2 }],
    ]);
    expect(await engine.events.recent({ since: recent[0]?.seq ?? 0 })).toHaveLength(1);
  });

  test("restoreErrors crosses with each error's code: a stored wasm changed behind the engine's back", async () => {
    const driver = memoryStorage();
    const kept = { ...driver, close: async () => undefined }; // outlives the first engine
    const first = await createEngine({ storage: kept, logger: quiet });
    await first.install(nodeEnv.exampleSource("hello"));
    await first.close();
    const stored = (await driver.get("bundles", "hello")) as { wasm: Uint8Array };
    const wasm = new Uint8Array(stored.wasm);
    wasm[wasm.length - 1] = (wasm[wasm.length - 1] ?? 0) ^ 0xff;
    await driver.commit([{ store: "bundles", key: "hello", value: { ...stored, wasm } as never }]);

    const other = new MessageChannel();
    // Options the worker reads first (a promise): the page's requests wait for the engine they make.
    void exposeEngine(Promise.resolve({ storage: kept, logger: quiet }), { endpoint: other.port1 as unknown as Endpoint });
    const restored = await connectEngine(other.port2 as unknown as Endpoint);
    try {
      expect(await restored.list()).toEqual([]);
      const errors = await restored.restoreErrors();
      expect([...errors.keys()]).toEqual(["hello"]);
      expect(isThreadspaceError(errors.get("hello"), "hash_mismatch")).toBe(true);
      expect(await engine.restoreErrors()).toEqual(new Map());
    } finally {
      await restored.close();
      other.port1.close();
      other.port2.close();
    }
  });
});

describe("exposeEngine outside a worker", () => {
  test("without an endpoint, in a scope that cannot receive messages, it refuses with bad_input", async () => {
    expect(typeof (globalThis as { postMessage?: unknown }).postMessage).not.toBe("function");
    let caught: unknown;
    try {
      await exposeEngine({ logger: quiet });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ThreadspaceError);
    expect((caught as ThreadspaceError).code).toBe("bad_input");
  });
});
