// @threadspace/pdk-as: Kv.get/set/delete/list end to end (tests/fixtures/pdk-as-kv).
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet, type Reply, TRICKY_STRINGS } from "./support.ts";

let engine: Engine;
const call = async (fn: string, input?: string | object) => (await engine.call("pdk-as-kv", fn, input)).text();
const callJson = async <T = Record<string, unknown>>(fn: string, input?: string | object) => JSON.parse(await call(fn, input)) as T;
afterEach(() => engine?.close());

describe("pdk-as: Kv", () => {
  test("set, get, list and delete, with the embedder seeing the same state", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-kv"));
    expect(await callJson("set", { key: "a", value: { n: 1, s: "Wörld 🌍", list: [true, null] } })).toEqual({ ok: true });
    expect(engine.kv("pdk-as-kv").get("a")).toEqual({ n: 1, s: "Wörld 🌍", list: [true, null] });
    expect(await callJson("get", "a")).toEqual({
      reply: { ok: { n: 1, s: "Wörld 🌍", list: [true, null] } },
      ok: true,
      code: "",
      message: "",
      json: '{"n":1,"s":"Wörld 🌍","list":[true,null]}',
      bool: false,
      int: 0,
      text: "",
      isNull: false,
    });
    engine.kv("pdk-as-kv").set("count", 41);
    expect(await callJson("get", "count")).toMatchObject({ ok: true, int: 41, json: "41" });
    expect(await callJson("get", "missing")).toMatchObject({ reply: { ok: null }, ok: true, isNull: true, json: "null" });
    expect(await callJson("list", "")).toEqual({ reply: { ok: ["a", "count"] }, keys: ["a", "count"] });
    expect(await callJson("list", "c")).toEqual({ reply: { ok: ["count"] }, keys: ["count"] });
    expect(await callJson("delete_key", "a")).toEqual({ reply: { ok: true }, existed: true });
    expect(await callJson("delete_key", "a")).toEqual({ reply: { ok: false }, existed: false });
    expect(engine.kv("pdk-as-kv").keys()).toEqual(["count"]);
  });

  test("Kv.set of every typed value stores the JSON it stands for", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-kv"));
    const replies = await callJson<Reply[]>("set_typed");
    expect(replies).toHaveLength(10);
    for (const reply of replies) expect(reply).toEqual({ ok: true });
    const kv = engine.kv("pdk-as-kv");
    expect(kv.get("i32")).toBe(-7);
    expect(kv.get("i64")).toBe(9223372036854775807); // the host's JSON.parse reads it as a double
    expect(kv.get("f64")).toBe(2.5);
    expect(kv.get("bool")).toBe(true);
    expect(kv.get("string")).toBe('Wörld 🌍 "q"');
    expect(kv.get("null")).toBeNull();
    expect(kv.get("strings")).toEqual(["a", "b"]);
    expect(kv.get("object")).toEqual({ n: 1, tags: ["x"] });
    expect(kv.get("array")).toEqual([1, "two"]);
    expect(kv.get("raw")).toEqual({ raw: [true, null] });
  });

  test("tricky strings survive the writer, the host and the reader unchanged", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-kv"));
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    // A lone surrogate cannot be UTF-8: the engine encodes such input with U+FFFD in its place.
    const cases: [string, string][] = [...TRICKY_STRINGS.map((text): [string, string] => [text, text]), ["lone \ud800 surrogate", "lone \ufffd surrogate"]];
    for (const [text, expected] of cases) {
      expect(await callJson("set_text", text)).toEqual({ ok: true });
      expect(engine.kv("pdk-as-kv").get("text"), JSON.stringify(text.slice(0, 40))).toBe(expected);
      const back = decoder.decode((await engine.call("pdk-as-kv", "get_text")).bytes);
      expect(back, JSON.stringify(text.slice(0, 40))).toBe(expected);
    }
    // The embedder cannot store a lone surrogate either: it would not survive storage (issue 10, item 15).
    expect(() => engine!.kv("pdk-as-kv").set("text", "a\ud800b")).toThrow(expect.objectContaining({ code: "bad_input" }));
  });

  test("an error reply is a HostResult with ok=false, the code and the message", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-kv"));
    const bad = await callJson("bad");
    expect(bad).toMatchObject({ ok: false, code: "bad_request", isBadRequest: true });
    expect(bad["message"]).toMatch(/key/);
  });

  test("without the kv permission every wrapper returns permission_denied and nothing changes", async () => {
    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-kv"));
    const denied = { code: "permission_denied", ok: false };
    expect(await callJson<Reply>("set", { key: "a", value: 1 })).toMatchObject({ error: { code: "permission_denied" } });
    expect(await callJson("get", "a")).toMatchObject({ ...denied, json: "null", isNull: true, reply: { error: { code: "permission_denied" } } });
    expect((await callJson<{ message: string }>("get", "a")).message).toContain('"kv" permission');
    expect(await callJson("list", "")).toEqual({ reply: { error: expect.objectContaining({ code: "permission_denied" }) }, keys: [] });
    expect(await callJson("delete_key", "a")).toMatchObject({ existed: false, reply: { error: { code: "permission_denied" } } });
    expect(engine.kv("pdk-as-kv").keys()).toEqual([]);
    engine.permissions.grant("pdk-as-kv", ["kv"]);
    expect(await callJson("set", { key: "a", value: 1 })).toEqual({ ok: true });
  });
});
