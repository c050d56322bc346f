// @threadspace/pdk-as: Memory.put/get/query/delete end to end (tests/fixtures/pdk-as-memory).
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet, TRICKY_STRINGS } from "./support.ts";

interface Rec {
  id: string;
  content: string;
  tags: string[];
  threadId: string | null;
  createdAt: number;
  updatedAt: number;
}
interface One {
  ok: boolean;
  code: string;
  message?: string;
  record: Rec | null;
}

let engine: Engine;
const callJson = async <T>(fn: string, input?: string | object) => JSON.parse((await engine.call("pdk-as-memory", fn, input)).text()) as T;
afterEach(() => engine?.close());

describe("pdk-as: Memory", () => {
  test("put, get, query and delete, with typed records the embedder sees too", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    const before = Date.now();
    const put = await callJson<One>("put", { content: "Call Ada on Monday: Wörld 🌍", tags: ["todo", "ada"] });
    expect(put).toMatchObject({ ok: true, code: "", record: { content: "Call Ada on Monday: Wörld 🌍", tags: ["todo", "ada"], threadId: null } });
    const rec = put.record!;
    expect(rec.id).not.toBe("");
    expect(rec.createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(rec.updatedAt).toBe(rec.createdAt);
    expect(engine.memories.get(rec.id)).toMatchObject({ id: rec.id, content: rec.content, tags: rec.tags, createdAt: rec.createdAt });

    expect(await callJson<One>("get", rec.id)).toEqual({ ok: true, code: "", message: "", record: rec });

    const other = engine.memories.put({ content: "Buy milk", tags: ["shopping"] });
    const withThread = await callJson<One>("put", { content: "in a thread", threadId: "t-1", id: "fixed-id" });
    expect(withThread.record).toMatchObject({ id: "fixed-id", threadId: "t-1", tags: [] });

    const byTag = await callJson<{ ok: boolean; records: Rec[] }>("query", { tag: "todo" });
    expect(byTag).toEqual({ ok: true, code: "", records: [rec] });
    expect((await callJson<{ records: Rec[] }>("query", { text: "MILK" })).records.map((r) => r.id)).toEqual([other.id]);
    expect((await callJson<{ records: Rec[] }>("query", { threadId: "t-1" })).records.map((r) => r.id)).toEqual(["fixed-id"]);
    expect((await callJson<{ records: Rec[] }>("query", { limit: 2 })).records).toHaveLength(2);
    expect((await callJson<{ records: Rec[] }>("query", {})).records).toHaveLength(3);
    expect(await callJson<string[]>("ids_with_tag", "shopping")).toEqual([other.id]);

    // Replacing keeps createdAt.
    const replaced = await callJson<One>("put", { id: rec.id, content: "Call Ada on Tuesday", tags: [] });
    expect(replaced.record).toMatchObject({ id: rec.id, content: "Call Ada on Tuesday", createdAt: rec.createdAt });

    expect(await callJson("delete_id", rec.id)).toEqual({ ok: true, code: "", existed: true });
    expect(await callJson("delete_id", rec.id)).toEqual({ ok: true, code: "", existed: false });
    expect(engine.memories.get(rec.id)).toBeUndefined();
  });

  test("putWith and query take named options: setters or an object literal; the records equal put's", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    const positional = await callJson<One>("put", { content: "same", tags: ["a", "b"], threadId: "t-1", id: "p" });
    const named = await callJson<One>("put_with", { content: "same", tags: ["a", "b"], threadId: "t-1", id: "n" });
    const { id: _p, createdAt: _pc, updatedAt: _pu, ...positionalRest } = positional.record!;
    const { id: _n, createdAt: _nc, updatedAt: _nu, ...namedRest } = named.record!;
    expect(named).toMatchObject({ ok: true, code: "", record: { id: "n" } });
    expect(namedRest).toEqual(positionalRest);

    // Only some options: the others are left out of the request (a new id, no thread, no tags).
    const threadOnly = await callJson<One>("put_with", { content: "in t-2", threadId: "t-2" });
    expect(threadOnly.record).toMatchObject({ content: "in t-2", tags: [], threadId: "t-2" });
    expect(threadOnly.record!.id).not.toBe("");
    expect((await callJson<One>("put_with", { content: "bare" })).record).toMatchObject({ tags: [], threadId: null });
    const replaced = await callJson<One>("put_with", { content: "replaced", id: "n" });
    expect(replaced.record).toMatchObject({ id: "n", content: "replaced", tags: [], threadId: null, createdAt: named.record!.createdAt });

    const inbox = await callJson<One>("put_in_inbox", "from a literal");
    expect(inbox.record).toMatchObject({ content: "from a literal", tags: ["new"], threadId: "inbox" });
    const copied = await callJson<{ record: Rec; mine: string[] }>("put_tag_after_tags", "copied");
    expect(copied).toMatchObject({ record: { content: "copied", tags: ["a", "b"] }, mine: ["a"] });

    expect(await callJson<string[]>("query_chained", { tag: "new" })).toEqual([inbox.record!.id]);
    expect(await callJson<string[]>("query_chained", { threadId: "t-1", text: "SAME" })).toEqual(["p"]);
    expect(await callJson<string[]>("query_chained", { limit: 2 })).toHaveLength(2);
    expect(await callJson<number>("count_all")).toBe(engine.memories.query().length);
    expect(engine.memories.query()).toHaveLength(6);
  });

  test("putWith without memory:write is permission_denied, with record null", async () => {
    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    expect(await callJson("put_with", { content: "x", tags: ["a"] })).toEqual({ ok: false, code: "permission_denied", record: null });
    expect(await callJson("put_in_inbox", "x")).toEqual({ ok: false, code: "permission_denied", record: null });
    expect(engine.memories.query()).toHaveLength(0);
  });

  test("a missing memory is not_found, with record null", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    const missing = await callJson<One>("get", "nope");
    expect(missing).toMatchObject({ ok: false, code: "not_found", record: null });
    expect(missing.message).toContain("nope");
  });

  test("content written by the embedder reads back exactly (escapes, non-ASCII, long text)", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    for (const content of TRICKY_STRINGS) {
      const rec = engine.memories.put({ content, tags: ["t\"ag", "ü"] });
      const got = await callJson<One>("get", rec.id);
      expect(got.record?.content).toBe(content);
      expect(got.record?.tags).toEqual(["t\"ag", "ü"]);
      const put = await callJson<One>("put", { content });
      expect(engine.memories.get(put.record!.id)?.content).toBe(content);
    }
  });

  test("without the memory permissions every wrapper returns permission_denied", async () => {
    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-memory"));
    const rec = engine.memories.put({ content: "secret" });
    expect(await callJson("put", { content: "x" })).toEqual({ ok: false, code: "permission_denied", record: null });
    expect(await callJson("get", rec.id)).toMatchObject({ ok: false, code: "permission_denied", record: null });
    expect(await callJson("query", {})).toEqual({ ok: false, code: "permission_denied", records: [] });
    expect(await callJson("delete_id", rec.id)).toEqual({ ok: false, code: "permission_denied", existed: false });
    expect(engine.memories.query()).toHaveLength(1);
    engine.permissions.grant("pdk-as-memory", ["memory:read"]);
    expect(await callJson("get", rec.id)).toMatchObject({ ok: true });
    expect(await callJson("put", { content: "x" })).toMatchObject({ ok: false, code: "permission_denied" });
  });
});
