import { createEngine, traceOf, type CallTrace, type Engine, type InstallSource } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** An example as this runtime installs it: its directory or URL; in workerd its manifest and precompiled module. */
async function example(env: TestEnv, name: string): Promise<InstallSource> {
  if (env.runtime !== "workerd") return env.exampleSource(name);
  const manifest = (await (await fetch(env.exampleSource(name) as string)).json()) as Record<string, unknown>;
  return { manifest, wasm: await env.exampleWasm(name) };
}

const encodeUtf16 = (text: string): Uint8Array => new Uint8Array(Array.from(text).flatMap((c) => [c.charCodeAt(0), 0]));

/** Replaces every occurrence of `from` by `to` (same length) in `bytes`: a changed build whose code is the same. */
function patched(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let found = 0;
  for (let i = 0; i + from.length <= out.length; i++) {
    if (from.every((b, j) => out[i + j] === b)) {
      out.set(to, i);
      found++;
    }
  }
  if (found === 0) throw new Error("the string to patch is not in the module");
  return out;
}

/** A trace as it travels: JSON text and back (a .tstrace file, a worker boundary). */
const roundTrip = (trace: CallTrace | undefined): unknown => JSON.parse(JSON.stringify(trace));

/**
 * Record and replay (docs/replay.md): a call recorded in one engine replays in another with every
 * host reply served from the trace; differences are reported; hostile traces are refused.
 */
export function replayContract(env: TestEnv): void {
  describe("record and replay", () => {
    const engines: Engine[] = [];
    const start = async (options: Parameters<typeof createEngine>[0] = {}): Promise<Engine> => {
      const engine = await createEngine({ grant: true, ...options });
      engines.push(engine);
      return engine;
    };
    afterEach(async () => {
      for (const engine of engines.splice(0)) await engine.close();
    });

    /** memory-analyzer's analyze_memory on a memory of its own, recorded. */
    const recordAnalysis = async (): Promise<{ trace: CallTrace; text: string }> => {
      const engine = await start();
      await engine.install(await example(env, "memory-analyzer"));
      const memory = engine.memories.put({ content: "Replay makes bugs reproducible. Replay serves every host reply from the trace.", tags: ["replay"] });
      const result = await engine.call("memory-analyzer", "analyze_memory", memory.id, { record: true });
      expect(result.trace).toBeDefined();
      return { trace: result.trace as CallTrace, text: result.text() };
    };

    test("a recorded memory-analyzer call replays in a fresh engine with empty storage: same output, same fuel, nothing written", async () => {
      const { trace, text } = await recordAnalysis();
      expect(JSON.parse(text)).toMatchObject({ status: "success" });
      expect(trace).toMatchObject({ format: "threadspace-trace", version: 3, plugin: { name: "memory-analyzer", version: "1.0.0" }, export: "analyze_memory", result: { output: { json: JSON.parse(text) } } });
      expect(trace.host.map((h) => h.fn)).toEqual(expect.arrayContaining(["ts_memory_get", "ts_config_get"]));
      expect(trace.config["top_terms"]).toBe(5);
      expect(typeof trace.fuel).toBe("number");
      const fresh = await start();
      await fresh.install(await example(env, "memory-analyzer"));
      // The first call of a fresh instance, as when it was recorded: the same fuel too.
      const replay = await fresh.replay(roundTrip(trace));
      expect(replay.differences).toEqual([]);
      expect(replay.same).toBe(true);
      expect(replay.output?.text()).toBe(text);
      expect(replay.fuel).toBe(trace.fuel);
      expect(fresh.memories.query({})).toEqual([]);
      // Live, the fresh engine has no such memory:
      expect((await fresh.call("memory-analyzer", "analyze_memory", (trace.input as { text: string }).text)).text()).not.toBe(text);
    });

    test.skipIf(env.runtime === "workerd")("replayed on a changed build of memory-analyzer, the different output is reported", async () => {
      const { trace } = await recordAnalysis();
      const wasm = await env.exampleWasm("memory-analyzer");
      if (!(wasm instanceof Uint8Array)) throw new Error("expected bytes");
      const engine = await start();
      const manifest = { name: "memory-analyzer-next", version: "1.0.1", permissions: ["memory:read", "config:read", "log"], interface: "extism" };
      await engine.install({ manifest, wasm: patched(wasm, encodeUtf16("wordCount"), encodeUtf16("wordTotal")) });
      const replay = await engine.replay(roundTrip(trace), { plugin: "memory-analyzer-next" });
      expect(replay.same).toBe(false);
      expect(replay.differences.map((d) => d.kind)).toContain("output");
      const output = replay.differences.find((d) => d.kind === "output");
      expect(JSON.stringify(output)).toContain("wordTotal");
      expect(replay.notes.join(" ")).toContain("memory-analyzer-next@1.0.1");
    });

    test("a plugin that asks the host something else is reported at the first differing request", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "host-kv"));
      const { trace } = await engine.call("host-kv", "set_then_get", { key: "a", value: 1 }, { record: true });
      expect(trace?.host.map((h) => h.fn)).toEqual(["ts_kv_set", "ts_kv_get"]);
      const other = roundTrip(trace) as { input: { json: unknown } };
      other.input = { json: { key: "b", value: 1 } };
      const fresh = await start();
      await fresh.install(await fixture(env, "host-kv"));
      const replay = await fresh.replay(other);
      expect(replay.same).toBe(false);
      expect(replay.differences[0]).toEqual({ kind: "host", index: 0, expected: trace?.host[0], got: { fn: "ts_kv_set", request: { json: { key: "b", value: 1 } } } });
      // Nothing reached the fresh engine's state.
      expect(fresh.kv("host-kv").keys()).toEqual([]);
    });

    test("calls queued on one plugin each keep only their own log lines and events; a replay writes no log line", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "host-config"));
      const [first, second] = await Promise.all([
        engine.call("host-config", "log", { level: "error", message: "first" }, { record: true }),
        engine.call("host-config", "log", { level: "error", message: "second" }, { record: true }),
      ]);
      expect(first.trace?.logs.map((l) => l.message)).toEqual(["first"]);
      expect(second.trace?.logs.map((l) => l.message)).toEqual(["second"]);
      const before = engine.logs("host-config").length;
      expect((await engine.replay(first.trace)).same).toBe(true);
      expect(engine.logs("host-config")).toHaveLength(before);
      const data = await start();
      await data.install(await fixture(env, "host-data"));
      const emitted = await data.call("host-data", "event_emit", { topic: "app.replayed", payload: { n: 1 } }, { record: true });
      expect(emitted.trace?.events).toEqual([{ topic: "app.replayed", payload: { n: 1 } }]);
    });

    test("Extism's config_get reads the trace's config during a replay, and the plugin's own again after it", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "host-config"));
      await engine.config.set("host-config", { greeting: "recorded" });
      const recorded = await engine.call("host-config", "extism_config", "greeting", { record: true });
      expect(recorded.text()).toBe("recorded");
      const fresh = await start();
      await fresh.install(await fixture(env, "host-config"));
      const replay = await fresh.replay(roundTrip(recorded.trace));
      expect(replay.differences).toEqual([]);
      expect(replay.output?.text()).toBe("recorded");
      expect(replay.notes.join(" ")).toMatch(/config differs from the trace's; the trace's was served/);
      expect((await fresh.call("host-config", "extism_config", "greeting")).text()).toBe("hello");
    });

    test("replays stay out of the plugin's health: failing ones cannot open its circuit, and an open circuit does not stop them", async () => {
      const engine = await start({ circuitBreaker: { failures: 2, retryAfterMs: 60_000 } });
      await engine.install(await fixture(env, "trap"));
      const error = await expectCode(engine.call("trap", "boom", "", { record: true }), "plugin_trap");
      const trace = traceOf(error);
      for (let i = 0; i < 4; i++) expect(await engine.replay(trace)).toMatchObject({ same: true, error: { code: "plugin_trap" } });
      expect((await engine.health("trap")).engine).toMatchObject({ calls: 1, errors: 1 });
      expect((await engine.call("trap", "echo", "still")).text()).toBe("still");
      await expectCode(engine.call("trap", "boom"), "plugin_trap");
      await expectCode(engine.call("trap", "boom"), "plugin_trap");
      await expectCode(engine.call("trap", "boom"), "plugin_unavailable");
      expect((await engine.replay(trace)).error?.code).toBe("plugin_trap");
    });

    test("a trace stays within record.maxBytes: host calls past the cap are left out and the trace says so", async () => {
      const engine = await start({ record: { maxBytes: 4000 } });
      await engine.install(await fixture(env, "host-kv"));
      const value = "x".repeat(1500);
      const { trace } = await engine.call("host-kv", "set_then_get", { key: "big", value }, { record: true });
      expect(trace?.truncated).toBe(true);
      expect(JSON.stringify(trace).length).toBeLessThanOrEqual(4000);
      expect(trace?.host.length).toBeLessThan(2);
      const replay = await engine.replay(trace);
      expect(replay.same).toBe(false);
      const kept = trace?.host.length ?? 0;
      expect(replay.differences[0]).toMatchObject({ kind: "host", index: kept, expected: null, got: { fn: kept === 0 ? "ts_kv_set" : "ts_kv_get" } });
      expect(engine.kv("host-kv").keys()).toEqual(["big"]);
      expect(replay.notes.join(" ")).toMatch(/truncated/);
    });

    test("replayed on a build whose export schema refuses the recorded input, the difference is bad_input", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "ok"));
      const { trace } = await engine.call("ok", "counter", "", { record: true });
      const typed = await start();
      await typed.install(await fixture(env, "ok", { exports: { counter: { input: { type: "integer", minimum: 0 } } } }));
      const replay = await typed.replay(trace);
      expect(replay.differences).toEqual([{ kind: "error", expected: null, got: expect.objectContaining({ code: "bad_input" }) }]);
    });

    test("record: \"errors\" keeps failed calls in a bounded ring; each replays the same", async () => {
      const engine = await start({ record: { calls: "errors", keep: 2 } });
      await engine.install(await fixture(env, "error-set"));
      for (let i = 0; i < 3; i++) await expectCode(engine.call("error-set", "fail", `n${i}`), "plugin_error");
      expect((await engine.call("error-set", "echo", "fine")).trace).toBeUndefined();
      const traces = engine.traces("error-set");
      expect(traces.map((t) => t.input)).toEqual([{ text: "n1" }, { text: "n2" }]);
      expect(traces[0]?.result).toMatchObject({ error: { code: "plugin_error" } });
      const replay = await engine.replay(traces[1]);
      expect(replay).toMatchObject({ same: true, error: { code: "plugin_error" } });
    });

    test("a failed call recorded with { record: true } carries its trace on the error", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "error-set"));
      const error = await expectCode(engine.call("error-set", "fail", "x", { record: true }), "plugin_error");
      expect(traceOf(error)?.result).toMatchObject({ error: { code: "plugin_error" } });
      expect(engine.traces("error-set")).toHaveLength(1);
    });

    test("the redact hook sees every trace before it leaves the engine; one that throws drops the trace", async () => {
      const engine = await start({ record: { redact: (trace) => ({ ...trace, input: { text: "[redacted]" }, host: trace.host.map((h) => ({ ...h, reply: null })) }) } });
      await engine.install(await fixture(env, "host-kv"));
      const result = await engine.call("host-kv", "get", { key: "secret" }, { record: true });
      expect(result.trace?.input).toEqual({ text: "[redacted]" });
      expect(result.trace?.host[0]?.reply).toBeNull();
      const warnings: unknown[] = [];
      const quiet = { trace() {}, debug() {}, info() {}, warn: (m: unknown) => warnings.push(m), error() {} };
      const failing = await start({ logger: quiet, record: { redact: () => { throw new Error("no"); } } });
      await failing.install(await fixture(env, "host-kv"));
      const dropped = await failing.call("host-kv", "get", { key: "secret" }, { record: true });
      expect(dropped.json()).toEqual({ ok: null });
      expect(dropped.trace).toBeUndefined();
      expect(String(warnings[0])).toMatch(/dropped/);
    });

    test("hostile traces are refused with bad_input and a path; the engine keeps serving", async () => {
      const engine = await start();
      await engine.install(await fixture(env, "host-kv"));
      const { trace } = await engine.call("host-kv", "get", { key: "a" }, { record: true });
      const good = roundTrip(trace) as Record<string, unknown>;
      const cases: Array<[unknown, string]> = [
        [{ ...good, version: 4 }, "$.version"],
        [{ ...good, vars: { key: { hex: "00" } } }, "$.vars.key.hex"],
        [{ ...good, wasi: [{ fn: "random_get", arg: 2, errno: 0, value: "AAAA" }] }, "$.wasi[0].value"],
        [{ ...good, wasi: [{ fn: "fd_read", arg: 0, errno: 0 }] }, "$.wasi[0].fn"],
        [{ ...good, format: "other" }, "$.format"],
        ["{ not json", "$"],
        [JSON.stringify(good).padEnd(2000, " "), "$"],
        [{ ...good, host: [{ fn: "ts_kv_get", request: { json: {} }, reply: 42 }] }, "$.host[0].reply"],
        [{ ...good, host: [{ fn: "ts_kv_get", request: { base64: "@@@" }, reply: null }] }, "$.host[0].request.base64"],
        [{ ...good, input: { json: 1, text: "x" } }, "$.input"],
        [{ ...good, fuel: -1 }, "$.fuel"],
        [{ ...good, result: { output: 7 } }, "$.result.output"],
        [null, "$"],
      ];
      for (const [hostile, path] of cases) {
        const error = await expectCode(engine.replay(hostile, { maxBytes: 1500 }), "bad_input");
        expect(error.issues.map((issue) => issue.path), error.message).toContain(path);
      }
      await expectCode(engine.replay(good, { plugin: "nobody" }), "plugin_not_found");
      await expectCode(engine.replay(good, { maxBytes: -1 }), "bad_input");
      await expectCode(engine.call("host-kv", "get", { key: "a" }, { record: "yes" as never }), "bad_input");
      await expectCode(createEngine({ record: "always" as never }), "bad_input");
      await expectCode(createEngine({ record: { keep: -1 } }), "bad_input");
      expect((await engine.replay(good)).same).toBe(true);
      // An engine-only export is refused as engine.call refuses it: a trace cannot run cleanup.
      expect((await engine.replay({ ...good, export: "cleanup" })).error?.code).toBe("permission_denied");
    });

    /** call-counter's third `count` call (it reads "2" from its var and outputs "3"), recorded inline. */
    const recordThirdCount = async (): Promise<CallTrace> => {
      const engine = await start();
      await engine.install(await fixture(env, "call-counter", { limits: { isolation: "inline" } }));
      await engine.call("call-counter", "count", "");
      await engine.call("call-counter", "count", "");
      const third = await engine.call("call-counter", "count", "", { record: true });
      expect(third.text()).toBe("3");
      return third.trace as CallTrace;
    };

    const varTargets = [
      { mode: "inline", label: "inline", options: {} },
      { mode: "worker", label: "a worker (bridge)", options: { isolation: { transport: "bridge" } } },
      { mode: "worker", label: "a worker (Extism's runInWorker)", options: { isolation: { transport: "extism" } } },
      { mode: "pool", label: "a pooled worker", options: {} },
    ] as const;
    for (const { mode, label, options } of varTargets) {
      test.skipIf(env.runtime === "workerd" && mode !== "inline")(`Extism vars: a call recorded after earlier calls replays the same ${label === "inline" ? "inline" : `in ${label}`} in a fresh engine, whose own vars are left as they were`, async () => {
        const trace = await recordThirdCount();
        expect(trace).toMatchObject({ version: 3, vars: { count: { json: 2 } } });
        const engine = await start(options);
        await engine.install(await fixture(env, "call-counter", { limits: { isolation: mode } }));
        const replay = await engine.replay(roundTrip(trace));
        expect(replay.differences).toEqual([]);
        expect(replay.same).toBe(true);
        expect(replay.output?.text()).toBe("3");
        // The replay's var_set stayed with the replay: the plugin's own count was never set.
        expect((await engine.call("call-counter", "peek", "")).text()).toBe("");
        expect((await engine.call("call-counter", "count", "")).text()).toBe("1");
        expect((await engine.call("call-counter", "count", "")).text()).toBe("2");
        // A replay on an instance with vars of its own sees the trace's alone, and puts none of its writes there.
        expect((await engine.replay(roundTrip(trace))).output?.text()).toBe("3");
        expect((await engine.call("call-counter", "peek", "")).text()).toBe("2");
        // Recorded here, in this mode, a call keeps what its var read found.
        const next = await engine.call("call-counter", "count", "", { record: true });
        expect(next.text()).toBe("3");
        expect(next.trace?.vars).toEqual({ count: { json: 2 } });
      });
    }

    test("a version-1 trace (before vars were recorded) still replays, reading the instance's own vars; vars in it are refused", async () => {
      const trace = await recordThirdCount();
      const { vars: _vars, ...rest } = roundTrip(trace) as CallTrace;
      const v1 = { ...rest, version: 1 };
      const engine = await start();
      await engine.install(await fixture(env, "call-counter", { limits: { isolation: "inline" } }));
      const replay = await engine.replay(v1);
      expect(replay.output?.text()).toBe("1");
      expect(replay.differences).toContainEqual({ kind: "output", expected: { json: 3 }, got: { json: 1 } });
      await expectCode(engine.replay({ ...v1, vars: {} }), "bad_input");
    });

    // WASI clock and random (docs/replay.md): served by the engine where it compiles the module (not workerd's precompiled modules).
    for (const mode of ["inline", "worker", "pool"] as const) {
      test.skipIf(env.runtime === "workerd")(`WASI clock and random values are recorded and replayed (${mode}); a read more or fewer is a difference`, async () => {
        const recording = await start();
        await recording.install(await fixture(env, "wasi-random", { limits: { isolation: mode } }));
        const recorded = await recording.call("wasi-random", "draw", "", { record: true });
        expect(recorded.text()).toMatch(/^[0-9a-f]{32}$/);
        expect((await recording.call("wasi-random", "draw", "")).text()).not.toBe(recorded.text());
        expect((recorded.trace as CallTrace).wasi?.map((read) => [read.fn, read.arg])).toEqual([["clock_time_get", 1], ["random_get", 8]]);
        const engine = await start();
        await engine.install(await fixture(env, "wasi-random", { limits: { isolation: mode } }));
        const replay = await engine.replay(roundTrip(recorded.trace));
        expect(replay.differences).toEqual([]);
        expect(replay.output?.text()).toBe(recorded.text());
        const reads = (await recording.call("wasi-random", "reads", "ab", { record: true })).trace as CallTrace;
        const fewer = { ...(roundTrip(reads) as CallTrace), wasi: reads.wasi?.slice(0, 1) };
        expect((await engine.replay(fewer)).differences).toEqual([{ kind: "wasi", index: 1, expected: null, got: { fn: "random_get", arg: 1 } }]);
      });
    }

    const workers = [
      { mode: "worker", label: "a worker (bridge)", options: { isolation: { transport: "bridge" } } },
      { mode: "worker", label: "a worker (Extism's runInWorker)", options: { isolation: { transport: "extism" } } },
      { mode: "pool", label: "a pooled worker", options: {} },
    ] as const;
    for (const { mode, label, options } of workers) {
      test.skipIf(env.runtime === "workerd")(`a call recorded inline replays the same in ${label}: host calls are served on the engine's side`, async () => {
        const { trace, text } = await recordAnalysis();
        const engine = await start(options);
        const wasm = await env.exampleWasm("memory-analyzer");
        await engine.install({ manifest: { name: "memory-analyzer", version: "1.0.0", permissions: ["memory:read", "config:read", "log"], limits: { isolation: mode } }, wasm });
        expect((await engine.debugInfo("memory-analyzer")).isolation.mode).toBe(mode);
        const replay = await engine.replay(roundTrip(trace));
        expect(replay.differences).toEqual([]);
        expect(replay.output?.text()).toBe(text);
        // Extism's config_get in the worker reads the trace's config too.
        const recording = await start();
        await recording.install(await fixture(env, "host-config"));
        await recording.config.set("host-config", { greeting: "recorded" });
        const recorded = await recording.call("host-config", "extism_config", "greeting", { record: true });
        await engine.install(await fixture(env, "host-config", { limits: { isolation: mode } }));
        expect((await engine.replay(roundTrip(recorded.trace))).output?.text()).toBe("recorded");
        expect((await engine.call("host-config", "extism_config", "greeting")).text()).toBe("hello");
      });
    }
  });
}
