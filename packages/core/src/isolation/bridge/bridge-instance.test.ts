import createPlugin from "@extism/extism";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeInstance, type BridgeCallContext, type BridgeOptions } from "./bridge-instance.ts";
import type { LogPriorityName } from "./protocol.ts";

const fixture = async (name: string): Promise<WebAssembly.Module> =>
  WebAssembly.compile(await readFile(new URL(`../../../../../test/fixtures/build/${name}.wasm`, import.meta.url)));
const text = (outcome: { output: Uint8Array | null }): string | undefined => (outcome.output === null ? undefined : new TextDecoder().decode(outcome.output));
const out = async (pending: Promise<{ output: Uint8Array | null }>): Promise<Uint8Array | null> => (await pending).output;

const open: BridgeInstance[] = [];
async function start(name: string, options: Parameters<typeof BridgeInstance.start>[1] = {}): Promise<BridgeInstance> {
  const bridge = await BridgeInstance.start(await fixture(name), options);
  open.push(bridge);
  return bridge;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((bridge) => bridge.close()));
});

describe("BridgeInstance (shared-memory worker bridge, no host functions)", () => {
  it("calls exports, keeps guest state between calls, and answers null for no output", async () => {
    const bridge = await start("isolation");
    expect(text(await bridge.call("echo", "World"))).toBe("World");
    expect(text(await bridge.call("counter"))).toBe("1");
    expect(text(await bridge.call("counter"))).toBe("2");
    // Same as Extism inline: no output_set → null; an empty output → empty bytes.
    const inline = await createPlugin({ wasm: [{ module: await fixture("isolation") }] }, { functions: { "extism:host/user": { ts_kv_set: () => 0n } } });
    expect(await inline.call("config", "missing")).toBeNull();
    expect(await out(bridge.call("config", "missing"))).toBeNull();
    expect((await inline.call("echo", ""))?.bytes()).toEqual(new Uint8Array(0));
    expect(await out(bridge.call("echo", ""))).toEqual(new Uint8Array(0));
    await inline.close();
  });

  it("carries non-ASCII input and output byte for byte", async () => {
    const bridge = await start("isolation");
    const input = "héllo wörld ✓ 日本語 🧵";
    expect(text(await bridge.call("echo", input))).toBe(input);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(await out(bridge.call("echo", bytes))).toEqual(bytes);
  });

  it("grows the buffer for an input and an output larger than it, both ways, and keeps serving", async () => {
    const bridge = await start("isolation", { capacity: 1024 });
    const big = "ß".repeat(100_000); // 200,000 bytes of UTF-8 into a 1 KiB buffer
    expect(text(await bridge.call("echo", big))).toBe(big);
    expect(text(await bridge.call("echo", "small again"))).toBe("small again");
    const output = await start("big-output", { capacity: 1024 });
    expect((await out(output.call("big", "300000")))?.byteLength).toBe(300_000);
    expect((await out(output.call("big", "5000000")))?.byteLength).toBe(5_000_000);
    expect(text(await output.call("big", "3"))).toBe("xxx");
  });

  it("turns a trap into an error and keeps the same instance serving", async () => {
    const bridge = await start("isolation");
    expect(text(await bridge.call("counter"))).toBe("1");
    const error = await bridge.call("boom").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "plugin_trap", message: expect.stringMatching(/boom trapped: .*unreachable/) });
    expect(text(await bridge.call("counter"))).toBe("2");
  });

  it("reports no fuel for a module that is not metered, and carries a deadline without enforcing it itself", async () => {
    const bridge = await start("isolation");
    const outcome = await bridge.call("echo", "x", { fuel: 1000, deadline: performance.now() + 60_000 });
    expect(outcome).toEqual({ output: new TextEncoder().encode("x"), fuelUsed: undefined });
  });

  it("turns error_set into an error with the plugin's message", async () => {
    const bridge = await start("error-set");
    await expect(bridge.call("fail", "x")).rejects.toMatchObject({ code: "plugin_error", message: expect.stringContaining("fail failed: bad input: expected a number") });
    expect(text(await bridge.call("echo", "still here"))).toBe("still here");
  });

  it("fails a call into a host function the host does not provide instead of hanging", async () => {
    const bridge = await start("isolation");
    await expect(bridge.call("set", "k")).rejects.toMatchObject({ code: "plugin_trap", message: expect.stringContaining("ts_kv_set") });
  });

  it("terminates the worker when a call overruns its timeout", async () => {
    const bridge = await start("isolation", { timeoutMs: 100 });
    const started = performance.now();
    await expect(bridge.call("spin")).rejects.toMatchObject({ code: "timeout" });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(99);
    expect(elapsed).toBeLessThan(250); // the bound is +50 ms; slack for a loaded CI machine
    expect(bridge.closed).toBe(true);
    await expect(bridge.call("echo", "x")).rejects.toMatchObject({ code: "timeout" });
    // The engine's thread stayed free throughout: a fresh bridge serves at once.
    const fresh = await start("isolation", { timeoutMs: 100 });
    expect(text(await fresh.call("echo", "fresh"))).toBe("fresh");
  });

  it("times out with spinning on both sides too, and refuses a second call in flight", async () => {
    const bridge = await start("isolation", { timeoutMs: 100, spinMicros: 50, workerSpinMicros: 100 });
    for (let i = 0; i < 1000; i++) expect(text(await bridge.call("echo", `n${i}`))).toBe(`n${i}`);
    const first = bridge.call("spin");
    await expect(bridge.call("echo", "x")).rejects.toMatchObject({ code: "busy", message: expect.stringContaining("not reentrant") });
    await expect(first).rejects.toMatchObject({ code: "timeout" });
  });

  it("rejects calls after close, and reports a module that cannot instantiate", async () => {
    const bridge = await start("isolation");
    await bridge.close();
    await expect(bridge.call("echo", "x")).rejects.toMatchObject({ code: "plugin_unavailable" });
    await expect(BridgeInstance.start(await fixture("bad-import"))).rejects.toMatchObject({ code: "wasm_invalid" });
  });
});

describe("BridgeInstance host functions (served on the engine's thread over the same buffer)", () => {
  const kvSet = (prefix: string) => ({
    ts_kv_set: (context: BridgeCallContext, handle: bigint) => context.store(`${prefix}${context.read(handle)?.text()}|${context.hostContext<string>()}`),
  });

  it("round-trips a host call: the request block in, a stored block out, the call's host context", async () => {
    const bridge = await start("isolation", { functions: kvSet("got:") });
    expect(text(await bridge.call("set", "clé ✓", { tx: "tx-1" as never }))).toBe("got:clé ✓|tx-1");
    for (let i = 0; i < 500; i++) expect(text(await bridge.call("set", `k${i}`, { tx: `tx${i}` as never }))).toBe(`got:k${i}|tx${i}`);
    expect(text(await bridge.call("echo", "plain call after host calls"))).toBe("plain call after host calls");
  });

  it("awaits async host functions (the worker waits, no JSPI needed)", async () => {
    const bridge = await start("isolation", {
      functions: {
        ts_kv_set: async (context, handle) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return context.store(`later:${context.read(handle)?.text()}`);
        },
      },
      spinMicros: 20,
      workerSpinMicros: 50,
    });
    expect(text(await bridge.call("set", "x"))).toBe("later:x");
  });

  it("moves to a bigger buffer for a host request and a host reply larger than it", async () => {
    const bridge = await start("isolation", { capacity: 1024, functions: kvSet("") });
    const big = "é".repeat(50_000); // 100,000 bytes each way
    expect(text(await bridge.call("set", big, { tx: "t" as never }))).toBe(`${big}|t`);
    const huge = await start("isolation", { capacity: 1024, functions: { ts_kv_set: (context) => context.store("z".repeat(300_000)) } });
    expect((await out(huge.call("set", "small")))?.byteLength).toBe(300_000);
    expect((await out(huge.call("set", "small")))?.byteLength).toBe(300_000);
  });

  it("turns a host function that throws into a failed call, and the plugin keeps serving", async () => {
    const bridge = await start("isolation", {
      functions: {
        ts_kv_set: () => {
          throw new Error("storage is down");
        },
      },
    });
    await expect(bridge.call("set", "k")).rejects.toMatchObject({ code: "plugin_trap", message: expect.stringContaining("storage is down") });
    expect(text(await bridge.call("echo", "ok"))).toBe("ok");
  });

  it("times out a call whose async host function never settles", async () => {
    const bridge = await start("isolation", { timeoutMs: 100, functions: { ts_kv_set: () => new Promise(() => {}) } });
    await expect(bridge.call("set", "k")).rejects.toMatchObject({ code: "timeout" });
  });

  it("times out a plugin that loops on host calls", async () => {
    let calls = 0;
    const bridge = await start("isolation", { timeoutMs: 100, functions: { ts_kv_set: (context) => (calls++, context.store("r")) } });
    await expect(bridge.call("set_forever", "k")).rejects.toMatchObject({ code: "timeout" });
    expect(calls).toBeGreaterThan(10);
  });
});

describe("BridgeInstance kernel (config, log level and logs live on the engine's thread)", () => {
  function kernel(level: LogPriorityName = "trace") {
    const state = { config: { greeting: "hello" } as Record<string, string>, version: 1, level: level as LogPriorityName, lines: [] as string[] };
    const options: BridgeOptions["kernel"] = {
      get config() {
        return state.config;
      },
      configVersion: () => state.version,
      logLevel: () => state.level,
      log: (lineLevel, line) => state.lines.push(`${lineLevel}:${line}`),
    };
    return { state, options };
  }

  it("sees config changes at the next call (fetched once per change), starting from the config it was given", async () => {
    const { state, options } = kernel();
    const bridge = await start("isolation", { kernel: options });
    expect(text(await bridge.call("config", "greeting"))).toBe("hello");
    state.config = { greeting: "hi", other: "x" };
    // Not bumped: the worker keeps its copy.
    expect(text(await bridge.call("config", "greeting"))).toBe("hello");
    state.version = 2;
    expect(text(await bridge.call("config", "greeting"))).toBe("hi");
    expect(text(await bridge.call("config", "other"))).toBe("x");
    state.config = {};
    state.version = 3;
    expect(await out(bridge.call("config", "greeting"))).toBeNull();
  });

  it("forwards kernel log lines during a call, filtered by the live level, before the call returns", async () => {
    const { state, options } = kernel("warn");
    const bridge = await start("isolation", { kernel: options });
    await bridge.call("init_plugin");
    expect(state.lines).toEqual(["warn:init_plugin ran"]);
    state.level = "error";
    await bridge.call("init_plugin");
    expect(state.lines).toHaveLength(1);
  });

  it("reports the guest's memory pages after each call", async () => {
    const bridge = await start("isolation");
    await bridge.call("echo", "x");
    const before = bridge.memoryPages;
    expect(before).toBeGreaterThanOrEqual(1);
    await expect(bridge.call("grow")).rejects.toMatchObject({ code: "plugin_trap" });
    expect(bridge.memoryPages).toBeGreaterThan(before);
    expect(text(await bridge.call("pages"))).toBe(String(bridge.memoryPages));
  });
});
