import { createEngine, isThreadspaceError, type CallInput, type Engine, type EngineLogger, type EngineOptions, type InstallOptions, type LogEntry } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

type Reply = { ok?: unknown; error?: { code: string; message: string } };

const PLUGIN = "host-config";
const DEFAULTS = { enabled: true, log_level: "WARNING", greeting: "hello", limit: 3, features: { feature_1: true, feature_2: false } };

const none = (): void => undefined;
/** Plugin logs are forwarded to the engine's logger; the tests read `engine.logs` instead. */
const quiet: EngineLogger = { trace: none, debug: none, info: none, warn: none, error: none };

/** Polls until `condition` holds (ticks come from timers). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The config and log host APIs (ts_config_get, ts_log), `engine.config`, `engine.logs` and the guide's config keys. */
export function hostConfigContract(env: TestEnv): void {
  describe("host API: config and logs", () => {
    let engine: Engine;
    afterEach(() => engine.close());

    const start = async (options: EngineOptions = {}, install: InstallOptions = { grant: true }): Promise<void> => {
      engine = await createEngine({ logger: quiet, ...options });
      await engine.install(await fixture(env, PLUGIN), install);
    };
    const call = async (fn: string, request?: CallInput): Promise<Reply> => (await engine.call(PLUGIN, fn, request)).json<Reply>();
    const text = async (fn: string, input?: CallInput): Promise<string> => (await engine.call(PLUGIN, fn, input)).text();
    const messages = (entries: readonly LogEntry[] = engine.logs(PLUGIN)): string[] => entries.map((entry) => entry.message);
    const ticks = (): LogEntry[] => engine.logs(PLUGIN).filter((entry) => entry.message.startsWith("tick-"));

    describe("ts_config_get", () => {
      test("replies with the merged config or one key (null when unset), features included", async () => {
        await start();
        expect(await call("get", {})).toEqual({ ok: DEFAULTS });
        expect(await call("get", { key: "features" })).toEqual({ ok: { feature_1: true, feature_2: false } });
        expect(await call("get", { key: "missing" })).toEqual({ ok: null });
        expect(await call("get", { key: "__proto__" })).toEqual({ ok: null });
        expect(engine.config.get(PLUGIN)).toEqual(DEFAULTS);
      });

      test("sees overrides at once, and so does Extism's own config_get (string values, JSON for the rest)", async () => {
        await start();
        expect(await text("extism_config", "greeting")).toBe("hello");
        await engine.config.set(PLUGIN, { greeting: "hi", features: { feature_2: true } });
        expect(await call("get", { key: "greeting" })).toEqual({ ok: "hi" });
        expect(await call("get", { key: "features" })).toEqual({ ok: { feature_1: true, feature_2: true } });
        expect(await text("extism_config", "greeting")).toBe("hi");
        expect(JSON.parse(await text("extism_config", "features"))).toEqual({ feature_1: true, feature_2: true });
        expect(await text("extism_config", "limit")).toBe("3");
        expect(await text("extism_config", "missing")).toBe("");
        expect(await text("extism_config", "toString")).toBe("");
      });

      test("without config:read it replies permission_denied; the embedder still reads the config", async () => {
        await start({}, { grant: ["log"] });
        expect((await call("get", {})).error?.code).toBe("permission_denied");
        expect(engine.config.get(PLUGIN)).toEqual(DEFAULTS);
        engine.permissions.grant(PLUGIN, ["config:read"]);
        expect((await call("get", { key: "limit" })).ok).toBe(3);
        engine.permissions.revoke(PLUGIN, ["config:read"]);
        expect((await call("get", {})).error?.code).toBe("permission_denied");
      });

      test("malformed requests get bad_request and oversize ones too_large, never a trap", async () => {
        await start({ maxRequestBytes: 64 });
        for (const request of ["not json", { key: 42 }, { key: "" }, [1]] as CallInput[]) {
          expect((await call("get", request)).error?.code, JSON.stringify(request)).toBe("bad_request");
        }
        expect((await engine.call(PLUGIN, "get", new Uint8Array([0xff, 0xfe]))).json<Reply>().error?.code).toBe("bad_request");
        expect((await call("get", { key: "k".repeat(100) })).error?.code).toBe("too_large");
        expect((await call("get", {})).ok).toEqual(DEFAULTS);
      });
    });

    describe("ts_log", () => {
      test("writes {seq, at, level, message, fields, plugin} into the plugin's log", async () => {
        await start();
        expect(await call("log", { level: "error", message: "disk full", fields: { free: 0, path: "/tmp" } })).toEqual({ ok: true });
        const entry = engine.logs(PLUGIN).at(-1);
        expect(entry).toMatchObject({ level: "error", message: "disk full", fields: { free: 0, path: "/tmp" }, plugin: PLUGIN, source: "plugin" });
        expect(entry?.seq).toBe(2); // 1 is init_plugin's "init"
        expect(Math.abs((entry?.at ?? 0) - Date.now())).toBeLessThan(60_000);
      });

      test("without log it replies permission_denied and writes nothing", async () => {
        await start({}, { grant: ["config:read"] });
        expect((await call("log", { level: "error", message: "x" })).error?.code).toBe("permission_denied");
        expect(engine.logs(PLUGIN)).toEqual([]); // init_plugin's ts_log was refused too
        engine.permissions.grant(PLUGIN, ["log"]);
        expect(await call("log", { level: "error", message: "x" })).toEqual({ ok: true });
        expect(messages()).toEqual(["x"]);
      });

      test("malformed requests get bad_request and oversize ones too_large", async () => {
        await start({ maxRequestBytes: 128 });
        const bad: CallInput[] = ["not json", { level: "loud", message: "x" }, { level: "info" }, { level: "info", message: 1 }, { level: "error", message: "x", fields: [1] }, { level: "error", message: "x", fields: "f" }];
        for (const request of bad) expect((await call("log", request)).error?.code, JSON.stringify(request)).toBe("bad_request");
        expect((await call("log", { level: "error", message: "x".repeat(200) })).error?.code).toBe("too_large");
        expect(messages()).toEqual(["init"]);
      });

      test("long messages are cut and large fields replaced; __proto__ in fields stays data", async () => {
        await start();
        await call("log", { level: "error", message: "m".repeat(5000) });
        await call("log", { level: "error", message: "fat", fields: { blob: "b".repeat(9000) } });
        await engine.call(PLUGIN, "log", '{"level":"error","message":"proto","fields":{"__proto__":{"polluted":true}}}');
        const [, cut, fat, proto] = engine.logs(PLUGIN);
        expect(cut?.message.length).toBeLessThan(4200);
        expect(cut?.message).toMatch(/cut: 5000 characters in all/);
        expect(Object.keys(fat?.fields ?? {})).toEqual(["$dropped"]);
        expect(Object.getOwnPropertyDescriptor(proto?.fields, "__proto__")?.value).toEqual({ polluted: true });
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      });
    });

    describe("engine.config.set", () => {
      test("validates overrides against configSchema and the guide's keys, naming each path; the old config stays", async () => {
        await start();
        const error = await expectCode(engine.config.set(PLUGIN, { greeting: 5, limit: 99, interval: -1 }), "config_invalid");
        expect(error.issues.map((issue) => issue.path)).toEqual(["$.interval", "$.greeting", "$.limit"]);
        expect(error.message).toMatch(/\$\.limit: 99 is greater than 10/);
        await expectCode(engine.config.set(PLUGIN, { features: { feature_1: "yes" } }), "config_invalid");
        // Not plain data: refused at the boundary, where every embedder input is copied (docs/security.md).
        await expectCode(engine.config.set(PLUGIN, { when: new Date() } as never), "bad_input");
        expect(engine.config.get(PLUGIN)).toEqual(DEFAULTS);
        expect(await call("get", {})).toEqual({ ok: DEFAULTS });
        expect(messages()).toEqual(["init"]); // on_config_change was not called
        await expectCode(engine.config.set("nobody", {}), "plugin_not_found");
      });

      test("a bad override at install fails the install", async () => {
        engine = await createEngine({ logger: quiet });
        await expectCode(engine.install(await fixture(env, PLUGIN), { config: { limit: 0 } }), "config_invalid");
        expect(engine.list()).toEqual([]);
        await engine.install(await fixture(env, PLUGIN), { config: { limit: 7 } });
        expect(engine.config.get(PLUGIN)["limit"]).toBe(7);
      });

      test("calls on_config_change with the new merged config and publishes config.changed", async () => {
        await start();
        const published: unknown[] = [];
        engine.events.on("config.changed", (event) => void published.push(event.payload));
        const merged = await engine.config.set(PLUGIN, { greeting: "hi", features: { feature_2: true }, extra: [1, 2] });
        const expected = { ...DEFAULTS, greeting: "hi", features: { feature_1: true, feature_2: true }, extra: [1, 2] };
        expect(merged).toEqual(expected);
        const change = engine.logs(PLUGIN).find((entry) => entry.message === "on_config_change");
        expect(change?.fields).toEqual({ config: expected });
        await waitFor(() => published.length === 1, "config.changed");
        expect(published[0]).toEqual({ plugin: PLUGIN, config: expected });
        expect(engine.config.overrides(PLUGIN)).toEqual({ greeting: "hi", features: { feature_2: true }, extra: [1, 2] });
      });

      test("null removes an override, reset drops them all, and __proto__ never reaches a prototype", async () => {
        await start();
        await engine.config.set(PLUGIN, { greeting: "hi", limit: 5 });
        expect(await engine.config.set(PLUGIN, { greeting: null })).toEqual({ ...DEFAULTS, limit: 5 });
        await engine.config.set(PLUGIN, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
        expect((await call("get", { key: "__proto__" })).ok).toEqual({ polluted: true });
        expect(await engine.config.reset(PLUGIN)).toEqual(DEFAULTS);
        expect(engine.logs(PLUGIN).filter((entry) => entry.message === "on_config_change")).toHaveLength(4);
      });
    });

    describe("enabled", () => {
      test("enabled: false installs without starting; enabling starts it, disabling stops it with cleanup", async () => {
        await start({}, { grant: true, config: { enabled: false } });
        expect(engine.get(PLUGIN)?.state).toBe("disabled");
        expect(engine.list().map((info) => info.state)).toEqual(["disabled"]);
        expect(messages()).toEqual([]); // init_plugin did not run
        const refused = await expectCode(engine.call(PLUGIN, "get", {}), "plugin_unavailable");
        expect(refused.message).toMatch(/enabled: true/);
        await expectCode(engine.load(PLUGIN), "plugin_unavailable");
        expect((await engine.health(PLUGIN)).message).toMatch(/disabled/);

        await engine.config.set(PLUGIN, { enabled: true });
        expect(engine.get(PLUGIN)?.state).toBe("ready");
        expect(messages()).toEqual(["init"]);
        expect((await call("get", { key: "enabled" })).ok).toBe(true);

        await engine.config.set(PLUGIN, { enabled: false });
        expect(engine.get(PLUGIN)?.state).toBe("disabled");
        expect(messages()).toEqual(["init", "cleanup"]);
        await expectCode(engine.call(PLUGIN, "get", {}), "plugin_unavailable");
      });

      test("disabling a plugin that loaded plugins depend on is refused and changes nothing", async () => {
        await start();
        await engine.install(await fixture(env, PLUGIN, { name: "dependent", dependencies: [PLUGIN], interface: "extism" }), { grant: true });
        await expectCode(engine.config.set(PLUGIN, { enabled: false }), "dependency_in_use");
        expect(engine.get(PLUGIN)?.state).toBe("ready");
        expect(engine.config.get(PLUGIN)["enabled"]).toBe(true);
        await engine.unload("dependent");
        await engine.config.set(PLUGIN, { enabled: false });
        expect(engine.get(PLUGIN)?.state).toBe("disabled");
      });

      test("plugin.json's own enabled: false is honoured", async () => {
        engine = await createEngine({ logger: quiet, grant: true });
        await engine.install(await fixture(env, PLUGIN, { config: { ...DEFAULTS, enabled: false } }));
        expect(engine.get(PLUGIN)?.state).toBe("disabled");
        await engine.config.reset(PLUGIN);
        expect(engine.get(PLUGIN)?.state).toBe("disabled");
        await engine.config.set(PLUGIN, { enabled: true });
        expect(engine.get(PLUGIN)?.state).toBe("ready");
      });
    });

    describe("interval", () => {
      test("calls on_tick on schedule, one tick at a time, and stops on unload", async () => {
        await start({}, { grant: true, config: { interval: 0.05 } });
        await waitFor(() => ticks().filter((entry) => entry.message === "tick-start").length >= 3, "3 ticks");
        const seen = ticks();
        // Each tick logs tick-start then tick-end: they alternate when no two ticks overlap.
        seen.forEach((entry, i) => expect(entry.message).toBe(i % 2 === 0 ? "tick-start" : "tick-end"));
        const ats = seen.filter((entry) => entry.message === "tick-start").map((entry) => (entry.fields["tick"] as { at: number }).at);
        for (let i = 1; i < ats.length; i++) expect(ats[i]).toBeGreaterThanOrEqual(ats[i - 1] as number);

        await engine.unload(PLUGIN);
        const count = ticks().length;
        await sleep(200);
        expect(ticks().length).toBe(count);
      });

      test("setting an interval starts ticks, removing it stops them", async () => {
        await start();
        await sleep(100);
        expect(ticks()).toEqual([]);
        await engine.config.set(PLUGIN, { interval: 0.05 });
        await waitFor(() => ticks().length >= 2, "a tick");
        await engine.config.set(PLUGIN, { interval: null });
        await sleep(20); // a tick that was due may still finish
        const count = ticks().length;
        await sleep(200);
        expect(ticks().length).toBe(count);
      });
    });

    describe("engine.logs", () => {
      test("keeps the last logBufferSize entries; since is a seq", async () => {
        await start({ logBufferSize: 5 });
        for (let i = 1; i <= 8; i++) await call("log", { level: "warn", message: `m${i}` });
        const kept = engine.logs(PLUGIN);
        expect(kept.map((entry) => entry.seq)).toEqual([5, 6, 7, 8, 9]);
        expect(messages(kept)).toEqual(["m4", "m5", "m6", "m7", "m8"]);
        expect(messages(engine.logs(PLUGIN, { since: 7 }))).toEqual(["m7", "m8"]);
        await expectCode(Promise.resolve().then(() => engine.logs(PLUGIN, { level: "loud" as never })), "bad_input");
        expect(() => engine.logs("nobody")).toThrow(/no plugin named/);
        await expect(createEngine({ logBufferSize: 0 })).rejects.toSatisfy((error: unknown) => isThreadspaceError(error, "bad_input"));
      });

      test("drops entries below the plugin's level (config log_level) and filters reads by level", async () => {
        await start();
        expect(engine.logLevel(PLUGIN)).toBe("warn"); // "WARNING" in plugin.json
        await call("log", { level: "info", message: "dropped" });
        await call("log", { level: "warn", message: "warned" });
        await call("log", { level: "error", message: "failed" });
        expect(messages()).toEqual(["init", "warned", "failed"]);
        expect(messages(engine.logs(PLUGIN, { level: "error" }))).toEqual(["failed"]);
      });

      test("the level changes live for ts_log and Extism's own log functions, which reach the same log", async () => {
        await start();
        await text("klog_info", "kernel info dropped");
        await text("klog_error", "abort: boom (at x.ts:1:1)");
        expect(await text("kernel_level")).toBe("3");

        engine.setLogLevel(PLUGIN, "debug");
        expect(await text("kernel_level")).toBe("1");
        await text("klog_debug", "kernel debug kept");
        await call("log", { level: "debug", message: "plugin debug kept" });

        engine.setLogLevel(PLUGIN, "error");
        await call("log", { level: "warn", message: "warn dropped" });
        engine.setLogLevel(PLUGIN, "silent");
        expect(await text("kernel_level")).toBe("9");
        await text("klog_error", "silenced");

        await engine.config.set(PLUGIN, { log_level: "INFO" });
        expect(engine.logLevel(PLUGIN)).toBe("info");
        await text("klog_info", "kernel info kept");

        const entries = engine.logs(PLUGIN).filter((entry) => entry.message !== "on_config_change");
        expect(entries.map((entry) => [entry.source, entry.level, entry.message])).toEqual([
          ["plugin", "warn", "init"],
          ["extism", "error", "abort: boom (at x.ts:1:1)"],
          ["extism", "debug", "kernel debug kept"],
          ["plugin", "debug", "plugin debug kept"],
          ["extism", "info", "kernel info kept"],
        ]);
        expect(() => engine.setLogLevel(PLUGIN, "loud" as never)).toThrow(/level must be one of/);
      });

      test("onLog streams kept entries, filtered by plugin and level, until unsubscribed", async () => {
        await start();
        const streamed: LogEntry[] = [];
        const off = engine.onLog((entry) => void streamed.push(entry), { plugin: PLUGIN, level: "error" });
        engine.onLog(() => {
          throw new Error("a broken listener does not break the plugin");
        });
        await call("log", { level: "warn", message: "below the filter" });
        expect(await call("log", { level: "error", message: "streamed" })).toEqual({ ok: true });
        off();
        await call("log", { level: "error", message: "after off" });
        expect(messages(streamed)).toEqual(["streamed"]);
      });

      test("logs survive unload and load, and go with uninstall", async () => {
        await start();
        await call("log", { level: "error", message: "before" });
        await engine.unload(PLUGIN);
        await engine.load(PLUGIN);
        expect(messages()).toEqual(["init", "before", "cleanup", "init"]);
        await engine.uninstall(PLUGIN);
        await engine.install(await fixture(env, PLUGIN), { grant: true });
        expect(engine.logs(PLUGIN).map((entry) => entry.seq)).toEqual([1]);
      });
    });
  });
}
