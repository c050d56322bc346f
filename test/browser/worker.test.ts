import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CallResult, ThreadspaceError, isThreadspaceError, type TopicEvent } from "@threadspace/core";
import { connectEngine, type RemoteEngine } from "@threadspace/worker";

const HELLO = "/examples/hello/plugin.json";

async function fetchBytes(path: string): Promise<Uint8Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function failure(promise: Promise<unknown>): Promise<ThreadspaceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ThreadspaceError);
  return error as ThreadspaceError;
}

/** Resolves once `predicate` holds (handlers run asynchronously across the worker boundary). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("engine in a Web Worker (@threadspace/worker)", () => {
  let worker: Worker;
  let engine: RemoteEngine;

  beforeEach(async () => {
    worker = new Worker(new URL("./fixtures/engine-worker.ts", import.meta.url), { type: "module" });
    engine = await connectEngine(worker);
  });

  afterEach(async () => {
    await engine.close();
    engine.terminate();
  });

  test("installs hello from its URL and calls greet", async () => {
    const info = await engine.install(HELLO);
    expect(info.name).toBe("hello");
    expect(info.state).toBe("ready");
    const result = await engine.call("hello", "greet", "Wörld 🌍");
    expect(result).toBeInstanceOf(CallResult);
    expect(result.text()).toBe("Hello, Wörld 🌍!");
    expect(result.bytes).toBeInstanceOf(Uint8Array);
    expect((await engine.call("hello", "greet", new TextEncoder().encode("世界"))).text()).toBe("Hello, 世界!");
    expect((await failure(Promise.resolve().then(() => result.json()))).code).toBe("bad_output");
  });

  test("plugins isolated in workers of their own run from the engine's worker too (nested workers): calls, fuel, a timeout stopped by the meter", async () => {
    const hello = JSON.parse(new TextDecoder().decode(await fetchBytes(HELLO))) as Record<string, unknown>;
    await engine.install({ manifest: { ...hello, limits: { isolation: "worker" } }, wasm: await fetchBytes("/examples/hello/plugin.wasm") });
    expect((await engine.get("hello"))?.limits.isolation).toBe("worker");
    expect((await engine.call("hello", "greet", "nested")).text()).toBe("Hello, nested!");
    const isolation = JSON.parse(new TextDecoder().decode(await fetchBytes("/test/fixtures/wat/isolation.json"))) as Record<string, unknown>;
    await engine.install({ manifest: isolation, wasm: await fetchBytes("/test/fixtures/build/isolation.wasm") }, { grant: true });
    const first = await engine.call("isolation", "counter");
    expect(first.text()).toBe("1");
    expect(first.fuel).toBeGreaterThan(0); // result.fuel crosses connectEngine
    expect((await failure(engine.call("isolation", "spin"))).code).toBe("timeout");
    // Metered: the worker's meter stopped the call and kept the instance (its counter goes on).
    expect((await engine.call("isolation", "counter")).text()).toBe("2");
    expect((await engine.call("hello", "greet", "still")).text()).toBe("Hello, still!");
  });

  test("list, get, findByCapability and health work", async () => {
    await engine.install(HELLO);
    expect((await engine.list()).map((plugin) => plugin.name)).toEqual(["hello"]);
    const info = await engine.get("hello");
    expect(info?.version).toBe("1.0.0");
    expect(info?.capabilities).toContain("greeting");
    expect(await engine.get("missing")).toBeUndefined();
    expect((await engine.findByCapability("greeting")).map((plugin) => plugin.name)).toEqual(["hello"]);
    expect(await engine.findByCapability("nothing")).toEqual([]);
    const health = await engine.health("hello");
    expect(["healthy", "degraded", "unhealthy"]).toContain(health.status);
    await engine.call("hello", "greet", "x");
    expect((await engine.health("hello")).engine.calls).toBeGreaterThanOrEqual(1);
    const debug = await engine.debugInfo("hello");
    expect(debug.name).toBe("hello");
    expect(debug.state).toBe("ready");
  });

  test("errors arrive as ThreadspaceError with their code", async () => {
    await engine.install(HELLO);

    const missingExport = await failure(engine.call("hello", "no_such_export", ""));
    expect(isThreadspaceError(missingExport, "export_missing")).toBe(true);
    expect(missingExport.plugin).toBe("hello");
    expect(missingExport.message).toMatch(/^\[threadspace\] \[plugin hello\] /);

    const notFound = await failure(engine.call("ghost", "greet", ""));
    expect(isThreadspaceError(notFound, "plugin_not_found")).toBe(true);
    expect(notFound.message).toContain("ghost");
    expect((await failure(engine.health("ghost"))).code).toBe("plugin_not_found");

    const wasm = await fetchBytes("/examples/hello/plugin.wasm");
    const invalid = await failure(engine.install({ manifest: { name: "Not Snake", version: "one" }, wasm }));
    expect(isThreadspaceError(invalid, "manifest_invalid")).toBe(true);
    expect(invalid.issues.length).toBeGreaterThan(1);
    for (const issue of invalid.issues) {
      expect(issue.path).toMatch(/^\$/);
      expect(issue.message).not.toBe("");
    }

    const manifest = { ...(await (await fetch(HELLO)).json()), name: "hello_copy", hash: `sha256:${"0".repeat(64)}` } as Record<string, unknown>;
    const mismatch = await failure(engine.install({ manifest, wasm }));
    expect(isThreadspaceError(mismatch, "hash_mismatch")).toBe(true);

    expect((await failure(engine.install(HELLO))).code).toBe("already_installed");
  });

  test("events cross: an emit reaches the page's handler, and unsubscribing stops them", async () => {
    const seen: TopicEvent[] = [];
    const off = await engine.events.on("app.*", (event) => void seen.push(event));
    await engine.events.emit("app.ping", { n: 1 });
    await engine.events.emit("other.ping", { n: 2 });
    await engine.events.emit("app.pong", { n: 3 });
    await until(() => seen.length === 2, "two app.* events");
    expect(seen.map((event) => [event.topic, event.payload, event.source])).toEqual([
      ["app.ping", { n: 1 }, "host"],
      ["app.pong", { n: 3 }, "host"],
    ]);
    await off();
    await engine.events.emit("app.late", null);
    const published: string[] = [];
    await engine.events.on("plugin.*", (event) => void published.push(event.topic));
    await engine.install(HELLO);
    await until(() => published.includes("plugin.installed"), "plugin.installed");
    expect(seen).toHaveLength(2);
  });

  test("hooks run on the page: call:after sees a CallResult, call:before can refuse a call", async () => {
    await engine.install(HELLO);
    const outputs: string[] = [];
    const offAfter = await engine.hook("call:after", (event) => {
      expect(event.output).toBeInstanceOf(CallResult);
      outputs.push(event.output.text());
    });
    await engine.call("hello", "greet", "A");
    expect(outputs).toEqual(["Hello, A!"]);
    await offAfter();

    const offBefore = await engine.hook("call:before", (event) => {
      if (event.input === "stop") throw new ThreadspaceError("permission_denied", "the page refused this call.", { plugin: event.plugin });
    });
    const refused = await failure(engine.call("hello", "greet", "stop"));
    expect(isThreadspaceError(refused, "permission_denied")).toBe(true);
    expect((await engine.call("hello", "greet", "go")).text()).toBe("Hello, go!");
    await offBefore();
    expect((await engine.call("hello", "greet", "stop")).text()).toBe("Hello, stop!");
    expect(outputs).toEqual(["Hello, A!"]);
  });

  test("config, kv, memories, permissions and logs are reachable", async () => {
    await engine.install(HELLO);
    expect((await engine.config.get("hello"))["greeting"]).toBe("Hello");
    await engine.config.set("hello", { greeting: "Hi" });
    expect((await engine.call("hello", "greet", "you")).text()).toBe("Hi, you!");
    await engine.kv("hello").set("answer", 42);
    expect(await engine.kv("hello").get("answer")).toBe(42);
    expect(await engine.kv("hello").keys()).toEqual(["answer"]);
    const memory = await engine.memories.put({ content: "remember me", tags: ["t"] });
    expect((await engine.memories.get(memory.id))?.content).toBe("remember me");
    expect(await engine.permissions.list("hello")).toEqual([]);
    expect((await failure(engine.permissions.list("ghost"))).code).toBe("plugin_not_found");
    expect(Array.isArray(await engine.logs("hello"))).toBe(true);
    const sneaky = engine.kv("hello") as unknown as { constructor(): Promise<unknown>; toString(): Promise<string> };
    expect((await failure(sneaky.constructor())).code).toBe("bad_input");
    expect((await failure(sneaky.toString())).code).toBe("bad_input");
    await engine.setLogLevel("hello", "debug");
    expect(await engine.logLevel("hello")).toBe("debug");
  });

  test("a grant function passed to install runs on the page", async () => {
    const manifest = (await (await fetch("/test/fixtures/wat/host-kv.json")).json()) as Record<string, unknown>;
    const wasm = await fetchBytes("/test/fixtures/build/host-kv.wasm");
    const asked: Array<[string, string[]]> = [];
    const info = await engine.install({ manifest, wasm }, {
      grant: (plugin, requested) => {
        asked.push([plugin.name, [...requested]]);
        return ["kv"];
      },
    });
    expect(asked).toEqual([[info.name, ["kv"]]]);
    expect(info.granted).toEqual(["kv"]);
    expect(await engine.permissions.list(info.name)).toEqual(["kv"]);
    await engine.permissions.revoke(info.name, ["kv"]);
    expect(await engine.permissions.list(info.name)).toEqual([]);
  });

  test("onLog streams a plugin's entries to the page until unsubscribed", async () => {
    const manifest = (await (await fetch("/test/fixtures/wat/host-config.json")).json()) as Record<string, unknown>;
    const wasm = await fetchBytes("/test/fixtures/build/host-config.wasm");
    const { name } = await engine.install({ manifest, wasm }, { grant: true });
    const streamed: string[] = [];
    const off = await engine.onLog((entry) => void streamed.push(entry.message), { plugin: name, level: "error" });
    await engine.call(name, "log", { level: "warn", message: "below the filter" });
    await engine.call(name, "log", { level: "error", message: "streamed" });
    await until(() => streamed.includes("streamed"), "the streamed entry");
    await off();
    await engine.call(name, "log", { level: "error", message: "after off" });
    expect((await engine.logs(name, { level: "error" })).map((entry) => entry.message)).toContain("after off");
    expect(streamed).toEqual(["streamed"]);
  });

  test("close unloads every plugin; the engine then refuses work", async () => {
    await engine.install(HELLO);
    const unloaded: string[] = [];
    await engine.hook("plugin:unload", (event) => void unloaded.push(event.plugin));
    await engine.close();
    expect(unloaded).toEqual(["hello"]);
    await engine.close(); // closing twice is fine
    expect((await failure(engine.list())).code).toBe("engine_closed");
    expect((await failure(engine.call("hello", "greet", "x"))).code).toBe("engine_closed");
  });
});

test("connectEngine rejects when the worker script fails to load", async () => {
  const missing = "/test/browser/fixtures/does-not-exist.js"; // a variable, so Vite leaves it alone
  const worker = new Worker(missing, { type: "module" });
  try {
    const error = await failure(connectEngine(worker));
    expect(error.code).toBe("engine_closed");
  } finally {
    worker.terminate();
  }
});
