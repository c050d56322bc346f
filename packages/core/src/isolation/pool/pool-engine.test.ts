import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { createEngine, type Engine } from "../../index.ts";
import { crashWorkerOf } from "../worker-supervisor.ts";

const FIXTURES = new URL("../../../../../test/fixtures/", import.meta.url);
const wasm = await readFile(new URL("build/isolation.wasm", FIXTURES));
const manifest = JSON.parse(await readFile(new URL("wat/isolation.json", FIXTURES), "utf8")) as Record<string, unknown>;
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * The isolation fixture under another name, pooled (metered: installed from bytes). Renamed, it
 * is a plain Extism plugin (its get_metadata names "isolation"); the one named "isolation" runs
 * init_plugin, which logs.
 */
function pooled(name: string, limits: Record<string, unknown> = {}) {
  return { manifest: { ...manifest, name, ...(name === "isolation" ? {} : { interface: "extism" }), limits: { isolation: "pool", timeoutMs: 300, ...limits } }, wasm };
}
/** The same, from a precompiled module the engine did not meter (what `metering: { unmetered: "allow" }` admits). */
async function unmetered(name: string, limits: Record<string, unknown> = {}) {
  return { manifest: { ...manifest, name, interface: "extism", limits: { isolation: "pool", timeoutMs: 300, ...limits } }, wasm: await WebAssembly.compile(wasm) };
}
const inits = (engine: Engine, name = "isolation"): number => engine.logs(name).filter((entry) => entry.message.includes("init_plugin ran")).length;
async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isThreadspaceError(error)) return error.code;
    throw error;
  }
  return "resolved";
}

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe("worker pools (limits.isolation: \"pool\")", () => {
  it("runs many plugins in one worker, each with its own instance, state and host calls", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    for (const name of ["a", "b", "c"]) await engine.install(pooled(name));
    expect(engine.get("a")?.limits.isolation).toBe("pool");
    expect((await engine.debugInfo("a")).isolation).toMatchObject({ mode: "pool" });
    expect((await engine.call("a", "counter")).text()).toBe("1");
    expect((await engine.call("a", "counter")).text()).toBe("2");
    expect((await engine.call("b", "counter")).text()).toBe("1");
    // Host calls reach the calling plugin's own state.
    await engine.call("b", "set", { key: "k", value: "from b" });
    await engine.call("c", "set", { key: "k", value: "from c" });
    expect(engine.kv("b").get("k")).toBe("from b");
    expect(engine.kv("c").get("k")).toBe("from c");
    expect(engine.kv("a").get("k")).toBeUndefined();
    // Calls to all three at once: one at a time in the worker, every one answered.
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => engine!.call(["a", "b", "c"][i % 3] as string, "echo", `m${i}`)));
    expect(many.map((out) => out.text())).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    await engine.config.set("c", { greeting: "hi" });
    expect((await engine.call("c", "config", "greeting")).text()).toBe("hi");
    expect((await engine.call("a", "config", "greeting")).text()).toBe("hello");
  });

  it("one worker serves its plugins in turn: a plugin with many calls waiting does not hold the others back", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("busy-one"));
    await engine.install(pooled("other"));
    const order: string[] = [];
    const calls = [
      ...Array.from({ length: 6 }, () => engine!.call("busy-one", "echo", "b").then(() => order.push("busy-one"))),
      ...Array.from({ length: 3 }, () => engine!.call("other", "echo", "o").then(() => order.push("other"))),
    ];
    await Promise.all(calls);
    // The worker's queue holds one call per plugin (each runner sends the next when one ends): they alternate.
    expect(order.slice(0, 6)).toEqual(["busy-one", "other", "busy-one", "other", "busy-one", "other"]);
  });

  it("a metered runaway is stopped by its meter; its neighbour in the same worker keeps answering, nothing restarts", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("loop", { timeoutMs: 1000 }));
    // Its timeout counts from when its call starts running, not while it waits for the worker.
    await engine.install(pooled("isolation", { timeoutMs: 300 }));
    expect((await engine.call("isolation", "counter")).text()).toBe("1");
    const runaway = engine.call("loop", "spin");
    const neighbour = engine.call("isolation", "counter");
    expect(await code(runaway)).toBe("timeout");
    expect((await neighbour).text()).toBe("2");
    expect((await engine.call("isolation", "counter")).text()).toBe("3");
    expect((await engine.call("loop", "echo", "back")).text()).toBe("back");
    expect((await engine.debugInfo("loop")).worker).toMatchObject({ restarts: 0, timeouts: 0 });
    expect(inits(engine)).toBe(1);
  });

  it("an unmetered runaway gets its worker terminated; the neighbour's waiting call is retried on a fresh instance and answers", async () => {
    engine = await createEngine({ logger: quiet, grant: true, metering: { unmetered: "allow" }, isolation: { poolSize: 1 } });
    await engine.install(await unmetered("loop"));
    await engine.install(pooled("isolation", { timeoutMs: 5000 }));
    expect((await engine.call("isolation", "counter")).text()).toBe("1");
    const runaway = engine.call("loop", "set_then_spin", { key: "lost", value: 1 });
    const neighbour = engine.call("isolation", "counter");
    const error = await runaway.catch((e: unknown) => e);
    expect(isThreadspaceError(error, "timeout")).toBe(true);
    expect(engine.kv("loop").get("lost")).toBeUndefined();
    // Fresh instance: its counter starts again, init_plugin ran again; the call was not lost.
    expect((await neighbour).text()).toBe("1");
    expect(inits(engine)).toBe(2);
    expect((await engine.call("loop", "counter")).text()).toBe("1");
    expect((await engine.call("isolation", "counter")).text()).toBe("2");
    expect((await engine.debugInfo("loop")).worker).toMatchObject({ timeouts: 1 });
    expect((await engine.debugInfo("isolation")).worker).toMatchObject({ crashes: 0, timeouts: 0, restarts: 1 });
  });

  it("a trap in one instance leaves its neighbours' instances alone", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("bad"));
    await engine.install(pooled("isolation"));
    expect((await engine.call("isolation", "counter")).text()).toBe("1");
    expect(await code(engine.call("bad", "boom"))).toBe("plugin_trap");
    expect(await code(engine.call("bad", "recurse"))).toBe("plugin_trap");
    expect((await engine.call("isolation", "counter")).text()).toBe("2");
    expect((await engine.call("bad", "echo", "still")).text()).toBe("still");
    expect(inits(engine)).toBe(1);
  });

  it("the guest memory cap holds per pooled plugin", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("small", { memoryPages: 20 }));
    await engine.install(pooled("ok"));
    const error = await engine.call("small", "grow", "100").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "memory_limit")).toBe(true);
    expect((await engine.call("ok", "echo", "fine")).text()).toBe("fine");
  });

  it("a crashed pool worker restarts every plugin in it on its next call", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("a", { timeoutMs: 5000 }));
    await engine.install(pooled("isolation", { timeoutMs: 5000 }));
    expect((await engine.call("a", "counter")).text()).toBe("1");
    expect((await engine.call("isolation", "counter")).text()).toBe("1");
    expect(crashWorkerOf("a")).toBe(1);
    expect((await engine.call("a", "counter")).text()).toBe("1");
    expect((await engine.call("isolation", "counter")).text()).toBe("1");
    expect(inits(engine)).toBe(2);
  });

  it("named pools keep plugins apart; poolFor naming no pool fails the install with bad_input", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1, pools: { trusted: { size: 1 } }, poolFor: (plugin) => (plugin.name.startsWith("t-") ? "trusted" : plugin.name === "lost" ? "nowhere" : "default") } });
    await engine.install(pooled("t-one"));
    await engine.install(pooled("other", { timeoutMs: 5000 }));
    expect(await code(engine.install(pooled("lost")))).toBe("bad_input");
    expect(engine.list().map((p) => p.name)).not.toContain("lost");
    // Crashing the trusted pool's worker leaves the default pool's plugin where it was.
    expect((await engine.call("other", "counter")).text()).toBe("1");
    crashWorkerOf("t-one");
    expect((await engine.call("other", "counter")).text()).toBe("2");
    expect((await engine.call("t-one", "counter")).text()).toBe("1");
  });

  it("ts_plugin_call between pooled plugins: placed in different workers it answers; forced into one worker it is refused at once (busy), never waits for itself", async () => {
    const ok = { manifest: JSON.parse(await readFile(new URL("wat/ok.json", FIXTURES), "utf8")) as Record<string, unknown>, wasm: await readFile(new URL("build/ok.wasm", FIXTURES)) };
    const caller = { manifest: JSON.parse(await readFile(new URL("wat/host-call.json", FIXTURES), "utf8")) as Record<string, unknown>, wasm: await readFile(new URL("build/host-call.wasm", FIXTURES)) };
    for (const poolSize of [2, 1]) {
      engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize } });
      await engine.install({ ...ok, manifest: { ...ok.manifest, limits: { isolation: "pool" } } });
      await engine.install({ ...caller, manifest: { ...caller.manifest, limits: { isolation: "pool", timeoutMs: 5000 } } });
      const started = performance.now();
      const reply = (await engine.call("host-call", "call", { plugin: "ok", export: "echo", input: "pooled" })).json<{ ok?: string; error?: { code: string; message: string } }>();
      if (poolSize === 2) expect(reply).toEqual({ ok: "pooled" });
      else {
        expect(reply.error?.code).toBe("call_failed");
        expect(reply.error?.message).toMatch(/\[busy\].*ok lives in pool default #1, which runs host-call's call, and that call waits for ok \(host-call → ok\).*different pools/);
        // Refused, not timed out: far below the caller's 5 s timeout.
        expect(performance.now() - started).toBeLessThan(4000);
      }
      await engine.close();
      engine = undefined;
    }
  });

  it("a chain back into the caller's own worker (a → c → ok, a and ok sharing a worker) is refused at once too", async () => {
    const ok = { manifest: JSON.parse(await readFile(new URL("wat/ok.json", FIXTURES), "utf8")) as Record<string, unknown>, wasm: await readFile(new URL("build/ok.wasm", FIXTURES)) };
    const hostCall = { manifest: JSON.parse(await readFile(new URL("wat/host-call.json", FIXTURES), "utf8")) as Record<string, unknown>, wasm: await readFile(new URL("build/host-call.wasm", FIXTURES)) };
    const forward = (name: string, dependency: string) => ({ ...hostCall, manifest: { ...hostCall.manifest, name, interface: "extism", dependencies: [dependency], limits: { isolation: "pool", timeoutMs: 5000 } } });
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 2 } });
    await engine.install({ ...ok, manifest: { ...ok.manifest, limits: { isolation: "pool" } } });
    // c is kept apart from ok (its dependency), a from c: a lands next to ok.
    await engine.install(forward("c", "ok"));
    await engine.install(forward("a", "c"));
    const started = performance.now();
    const reply = (await engine.call("a", "call", { plugin: "c", export: "call", input: JSON.stringify({ plugin: "ok", export: "echo", input: "deep" }) })).text();
    expect(reply).toMatch(/busy.*ok lives in pool default #1, which runs a's call, and that call waits for ok \(a → c → ok\)/);
    expect(performance.now() - started).toBeLessThan(4000);
    // c alone reaches ok.
    expect(JSON.parse((await engine.call("c", "call", { plugin: "ok", export: "echo", input: "direct" })).text())).toEqual({ ok: "direct" });
  });

  it("uninstall frees the plugin's instance; a plugin of the same module installed again starts fresh", async () => {
    engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    await engine.install(pooled("a"));
    await engine.install(pooled("b"));
    expect((await engine.call("a", "counter")).text()).toBe("1");
    await engine.uninstall("a");
    expect((await engine.call("b", "counter")).text()).toBe("1");
    await engine.install(pooled("a"));
    expect((await engine.call("a", "counter")).text()).toBe("1");
  });
});
