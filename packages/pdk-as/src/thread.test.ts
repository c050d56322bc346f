// @threadspace/pdk-as: Thread.create/append/read/list end to end (tests/fixtures/pdk-as-thread).
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet, TRICKY_STRINGS } from "./support.ts";

interface Info {
  id: string;
  title: string | null;
  metadata: unknown;
  createdAt: number;
  length: number;
}
interface Entry {
  seq: number;
  author: string;
  content: string;
  at: number;
}

let engine: Engine;
const callJson = async <T = Record<string, unknown>>(fn: string, input?: string | object) => JSON.parse((await engine.call("pdk-as-thread", fn, input)).text()) as T;
afterEach(() => engine?.close());

describe("pdk-as: Thread", () => {
  test("create, append, read and list, with typed threads and entries", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-thread"));
    const created = await callJson<{ ok: boolean; thread: Info }>("create", { title: "support #42 — Wörld", metadata: { priority: 2, tags: ["a"], nested: { k: "v" } } });
    expect(created).toMatchObject({ ok: true, code: "", thread: { title: "support #42 — Wörld", metadata: { priority: 2, tags: ["a"], nested: { k: "v" } }, length: 0 } });
    const id = created.thread.id;
    expect(engine.threads.get(id)).toMatchObject({ id, title: "support #42 — Wörld" });

    expect(await callJson("append", { threadId: id, content: "first" })).toEqual({ ok: true, code: "", message: "", seq: 0 });
    expect(await callJson("append", { threadId: id, content: "second 🌍", author: "ana" })).toMatchObject({ ok: true, seq: 1 });
    engine.threads.append({ threadId: id, content: "from the host" });

    const all = await callJson<{ ok: boolean; entries: Entry[] }>("read", { threadId: id });
    expect(all.ok).toBe(true);
    expect(all.entries.map((e) => [e.seq, e.author, e.content])).toEqual([
      [0, "pdk-as-thread", "first"],
      [1, "ana", "second 🌍"],
      [2, "host", "from the host"],
    ]);
    expect(all.entries[0]!.at).toBeGreaterThan(0);
    const tail = await callJson<{ entries: Entry[] }>("read", { threadId: id, fromSeq: 1, limit: 1 });
    expect(tail.entries.map((e) => e.seq)).toEqual([1]);

    const second = await callJson<{ thread: Info }>("create", { id: "fixed" });
    expect(second.thread).toMatchObject({ id: "fixed", title: engine.threads.get("fixed")?.title ?? null, length: 0 });
    const listed = await callJson<{ ok: boolean; threads: Info[] }>("list", {});
    expect(listed.threads.map((t) => t.id).sort()).toEqual([id, "fixed"].sort());
    expect(listed.threads.find((t) => t.id === id)?.length).toBe(3);
    expect((await callJson<{ threads: Info[] }>("list", { limit: 1 })).threads).toHaveLength(1);
  });

  test("createWith and readWith take named options: setters or an object literal", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-thread"));
    const full = await callJson<{ ok: boolean; thread: Info }>("create_with", { title: "named — Wörld", metadata: { k: [1, "v"] }, id: "named" });
    expect(full).toMatchObject({ ok: true, code: "", thread: { id: "named", title: "named — Wörld", metadata: { k: [1, "v"] }, length: 0 } });
    expect(engine.threads.get("named")).toMatchObject({ title: "named — Wörld", metadata: { k: [1, "v"] } });
    // Only some options: the others are left out, so the host's defaults hold.
    const titled = await callJson<{ thread: Info }>("create_with", { title: "only a title" });
    expect(titled.thread).toMatchObject({ title: "only a title", metadata: {} });
    expect(titled.thread.id).not.toBe("");
    expect((await callJson<{ thread: Info }>("create_with", {})).thread).toMatchObject({ title: "", metadata: {}, length: 0 });
    const journal = await callJson<{ thread: Info }>("create_journal", "journal-1");
    expect(journal.thread).toMatchObject({ id: "journal-1", title: "Journal", metadata: {} });
    // An existing id replies with that thread, unchanged.
    expect((await callJson<{ thread: Info }>("create_with", { id: "named", title: "other" })).thread).toMatchObject({ id: "named", title: "named — Wörld" });

    for (let i = 0; i < 5; i++) engine.threads.append({ threadId: "named", content: `e${i}` });
    const seqs = async (fn: string, input: object | string) => (await callJson<{ entries: Entry[] }>(fn, input)).entries.map((e) => e.seq);
    expect(await seqs("read_with", { threadId: "named" })).toEqual([0, 1, 2, 3, 4]);
    expect(await seqs("read_with", { threadId: "named", fromSeq: 3 })).toEqual([3, 4]);
    expect(await seqs("read_with", { threadId: "named", fromSeq: 1, limit: 2 })).toEqual([1, 2]);
    expect(await seqs("read_first_two", "named")).toEqual([0, 1]);
    expect(await callJson("read_with", { threadId: "nope" })).toEqual({ ok: false, code: "not_found", entries: [] });
  });

  test("appending to a missing thread is not_found with seq -1; contents round-trip exactly", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-thread"));
    const missing = await callJson<{ ok: boolean; code: string; seq: number }>("append", { threadId: "nope", content: "x" });
    expect(missing).toMatchObject({ ok: false, code: "not_found", seq: -1 });
    const t = engine.threads.create({ title: "tricky" });
    for (const content of TRICKY_STRINGS) await callJson("append", { threadId: t.id, content });
    const read = await callJson<{ entries: Entry[] }>("read", { threadId: t.id, limit: 1000 });
    expect(read.entries.map((e) => e.content)).toEqual(TRICKY_STRINGS);
    expect(engine.threads.read({ threadId: t.id, limit: 1000 }).map((e) => e.content)).toEqual(TRICKY_STRINGS);
  });

  test("without the thread permissions every wrapper returns permission_denied", async () => {
    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-thread"));
    const t = engine.threads.create({ title: "x" });
    expect(await callJson("create", { title: "y" })).toEqual({ ok: false, code: "permission_denied", thread: null });
    expect(await callJson("append", { threadId: t.id, content: "c" })).toMatchObject({ ok: false, code: "permission_denied", seq: -1 });
    expect(await callJson("read", { threadId: t.id })).toEqual({ ok: false, code: "permission_denied", entries: [] });
    expect(await callJson("create_with", { title: "y" })).toEqual({ ok: false, code: "permission_denied", thread: null });
    expect(await callJson("read_with", { threadId: t.id })).toEqual({ ok: false, code: "permission_denied", entries: [] });
    expect(await callJson("list", {})).toEqual({ ok: false, code: "permission_denied", threads: [] });
    expect(engine.threads.list()).toHaveLength(1);
  });
});
