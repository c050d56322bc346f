// @threadspace/pdk-c: threadspace.h end to end through a real engine (tests/fixtures/pdk-c, C).
import { createEngine, isThreadspaceError, type BundleParts, type Engine, type EngineLogger, type TopicEvent } from "@threadspace/core";
import { canSuspend, Host } from "@threadspace/host";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test, vi } from "vitest";

const dir = fileURLToPath(new URL("../tests/fixtures/pdk-c/", import.meta.url));
const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const IMPORTS = [
  "ts_memory_put",
  "ts_memory_get",
  "ts_memory_query",
  "ts_memory_delete",
  "ts_thread_create",
  "ts_thread_append",
  "ts_thread_read",
  "ts_thread_list",
  "ts_event_emit",
  "ts_config_get",
  "ts_log",
  "ts_kv_get",
  "ts_kv_set",
  "ts_kv_delete",
  "ts_kv_list",
  "ts_plugin_call",
];
const served = new Host().importNames();

function bundle(): BundleParts {
  if (!existsSync(`${dir}plugin.wasm`)) throw new Error(`${dir}plugin.wasm is missing: run \`npm run build:examples\``);
  return { manifest: JSON.parse(readFileSync(`${dir}plugin.json`, "utf8")) as object, wasm: new Uint8Array(readFileSync(`${dir}plugin.wasm`)) };
}

type Out = { reply: { ok?: unknown; error?: { code: string; message: string } }; ok: boolean; code: string | null; value: unknown };
let engine: Engine;
const text = async (fn: string, input?: string | Uint8Array) => (await engine.call("pdk-c", fn, input)).text();
const host = async (name: string, request: unknown) => JSON.parse(await text("call", `${name} ${typeof request === "string" ? request : JSON.stringify(request)}`)) as Out;
afterEach(() => engine?.close());

describe.skipIf(!IMPORTS.every((name) => served.has(name)))("pdk-c: threadspace.h", () => {
  test("the module imports every host function of the ABI, and nothing else from extism:host/user", () => {
    const module = new WebAssembly.Module(bundle().wasm as Uint8Array<ArrayBuffer>);
    const user = WebAssembly.Module.imports(module).filter((i) => i.module === "extism:host/user").map((i) => i.name);
    expect(user.sort()).toEqual([...IMPORTS].sort());
  });

  test("ts_call reaches every host function and the reply readers read the replies", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    expect(await host("ts_kv_set", { key: "a", value: { s: "Wörld 🌍" } })).toEqual({ reply: { ok: true }, ok: true, code: null, value: true });
    expect(await host("ts_kv_get", { key: "a" })).toMatchObject({ ok: true, value: { s: "Wörld 🌍" } });
    expect(await host("ts_kv_list", {})).toMatchObject({ value: ["a"] });
    expect(await host("ts_kv_delete", { key: "a" })).toMatchObject({ value: true });

    const put = await host("ts_memory_put", { content: "note", tags: ["c"] });
    const id = (put.value as { id: string }).id;
    expect(engine.memories.get(id)?.content).toBe("note");
    expect(await host("ts_memory_get", { id })).toMatchObject({ ok: true, value: { id, content: "note", tags: ["c"] } });
    expect((await host("ts_memory_query", { tag: "c" })).value).toHaveLength(1);
    expect(await host("ts_memory_delete", { id })).toMatchObject({ value: true });
    expect(await host("ts_memory_get", { id })).toMatchObject({ ok: false, code: "not_found", value: null });

    const thread = (await host("ts_thread_create", { title: "c thread" })).value as { id: string };
    expect(await host("ts_thread_append", { threadId: thread.id, content: "from C" })).toMatchObject({ value: { seq: 0 } });
    expect(await host("ts_thread_read", { threadId: thread.id })).toMatchObject({ value: [{ seq: 0, author: "pdk-c", content: "from C" }] });
    expect((await host("ts_thread_list", {})).value).toHaveLength(1);

    const seen: TopicEvent[] = [];
    engine.events.on("app.*", (event) => void seen.push(event));
    expect(await host("ts_event_emit", { topic: "app.c", payload: [1] })).toMatchObject({ value: true });
    await vi.waitFor(() => expect(seen.map((e) => e.payload)).toEqual([[1]]));

    expect(await host("ts_config_get", { key: "greeting" })).toMatchObject({ value: "Hallo, Wörld 🌍" });
    expect(await host("ts_config_get", {})).toMatchObject({ value: { greeting: "Hallo, Wörld 🌍", count: 3 } });
    expect(await host("ts_log", { level: "error", message: "logged from C" })).toMatchObject({ value: true });
    expect(engine.logs("pdk-c").map((e) => e.message)).toContain("logged from C");

    const call = await host("ts_plugin_call", { plugin: "pdk-c", export: "build" });
    expect(call.ok).toBe(false); // pdk-c is not its own dependency (and Node has no JSPI)
    expect(call.code).toBe(canSuspend ? "permission_denied" : "unsupported");
  });

  test("error replies: ts_reply_ok is false and ts_reply_error_code reads the code", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    expect(await host("ts_kv_get", { key: 42 })).toMatchObject({ ok: false, code: "bad_request", value: null });
    expect(await host("ts_kv_get", "not json")).toMatchObject({ ok: false, code: "bad_request" });
    await engine.close();

    engine = await createEngine({ logger: quiet });
    await engine.install(bundle());
    for (const name of IMPORTS.filter((n) => n !== "ts_plugin_call" || canSuspend)) {
      expect(await host(name, {}), name).toMatchObject({ ok: false, code: "permission_denied", value: null });
    }
  });

  test("ts_json_string_n escapes and ts_json_string_value decodes: tricky text round-trips through the host", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const samples = [
      "",
      'quote " backslash \\ slash /',
      "new\nline cr\r tab\t bs\b ff\f nul\u0000 unit\u001f del\u007f",
      "Wörld 🌍",
      "日本語 👩‍👩‍👧 🇳🇴",
      "\u2028\u2029\uFEFF",
      "x".repeat(60000) + "é",
    ];
    for (const sample of samples) {
      const bytes = (await engine.call("pdk-c", "kv_roundtrip", sample)).bytes;
      expect(decoder.decode(bytes), JSON.stringify(sample.slice(0, 30))).toBe(sample);
      expect(engine.kv("pdk-c").get("text")).toBe(sample);
    }
  });

  test("ts_json_string_value decodes \\u escapes, surrogate pairs and refuses malformed literals", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    expect(await text("decode", '"\\u00e9\\u0041 \\ud83c\\udf0d \\uD83C\\uDF0D \\"\\\\\\/\\b\\f\\n\\r\\t"')).toBe('éA 🌍 🌍 "\\/\b\f\n\r\t');
    expect(await text("decode", '"lone \\ud800 and \\udc00 end"')).toBe("lone \ufffd and \ufffd end");
    expect(await text("decode", '"Wörld 🌍"')).toBe("Wörld 🌍");
    for (const bad of ['"unterminated', "no quote", '"bad \\x escape"', '"\\u12"', '"raw\ncontrol"']) {
      await expect(engine.call("pdk-c", "decode", bad), bad).rejects.toThrow(/not a JSON string literal/);
    }
  });

  test("the JSON writer: every value kind, separators, NUL inside strings, 64-bit limits", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    const out = await text("build");
    expect(JSON.parse(out)).toEqual({
      string: "q\" b\\ nl\n cr\r tab\t bs\b ff\f bell\u0007 esc\u001b Wörld 🌍",
      nul: "a\u0000b",
      max: 9223372036854775807,
      min: -9223372036854775808,
      zero: 0,
      bools: [true, false, null],
      nested: [{}, [-1, "x"], { raw: [1, 2] }],
    });
    expect(out).toContain('"max":9223372036854775807,"min":-9223372036854775808');
    expect(out).toContain('"nul":"a\\u0000b"');
    expect(await text("overflow")).toBe("overflow reported");
    const truncated = JSON.parse(await text("truncated")) as { length: number; copied: string };
    expect(truncated.copied).toBe('{"ok"');
    expect(truncated.length).toBeGreaterThan(5);
  });

  test("the shortcuts, ts_output and ts_fail", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(bundle());
    const replies = JSON.parse(await text("shortcuts")) as unknown[];
    expect(replies.slice(0, 5)).toEqual([
      { ok: true },
      { ok: "hi 🌍" },
      { error: { code: "not_found", message: expect.stringContaining("no-such-memory") } },
      { ok: "Hallo, Wörld 🌍" },
      { ok: true },
    ]);
    expect(replies[5]).toBe(true);
    expect(engine.logs("pdk-c").map((e) => e.message)).toContain('from C: Wörld 🌍 "quoted"');
    let failure: unknown;
    try {
      await engine.call("pdk-c", "fail", "failed in C: Wörld 🌍");
    } catch (error) {
      failure = error;
    }
    expect(isThreadspaceError(failure) && failure.message).toContain("failed in C: Wörld 🌍");
  });
});
