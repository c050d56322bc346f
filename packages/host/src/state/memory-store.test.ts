import { describe, expect, test } from "vitest";
import { CallTransaction, autoCommit } from "../transaction.ts";
import { EventBus, type TopicEvent } from "./event-bus.ts";
import { MemoryStore } from "./memory-store.ts";

function setup(): { store: MemoryStore; events: TopicEvent[] } {
  const bus = new EventBus();
  const events: TopicEvent[] = [];
  bus.listen((event) => void events.push(event));
  return { store: new MemoryStore(bus), events };
}

describe("MemoryStore", () => {
  test("a transaction sees its own writes; others see them after commit; abort discards them", () => {
    const { store, events } = setup();
    const tx = new CallTransaction("a");
    const record = store.put(tx, { id: "m", content: "x" });
    expect(store.get(tx, "m")).toBe(record);
    expect(store.query(tx)).toEqual([record]);
    const other = new CallTransaction("b");
    expect(store.get(other, "m")).toBeUndefined();
    expect(events).toEqual([]);
    tx.commit();
    expect(store.get(other, "m")).toBe(record);
    expect(events).toMatchObject([{ topic: "memory.created", payload: { id: "m" }, source: "a" }]);

    const aborted = new CallTransaction("a");
    store.put(aborted, { content: "gone" });
    store.delete(aborted, "m");
    aborted.abort();
    expect(autoCommit("host", (t) => store.query(t))).toEqual([record]);
    expect(events).toHaveLength(1);
  });

  test("put makes ids, dedupes tags, freezes records; replacing keeps createdAt and publishes memory.updated", () => {
    const { store, events } = setup();
    const made = autoCommit("host", (tx) => store.put(tx, { content: "x", tags: ["a", "a", "b"], threadId: "t" }));
    expect(made.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(made.tags).toEqual(["a", "b"]);
    expect(Object.isFrozen(made) && Object.isFrozen(made.tags)).toBe(true);
    const replaced = autoCommit("host", (tx) => store.put(tx, { id: made.id, content: "y" }));
    expect(replaced).toMatchObject({ id: made.id, content: "y", tags: [], createdAt: made.createdAt });
    expect(replaced).not.toHaveProperty("threadId");
    expect(autoCommit("host", (tx) => store.delete(tx, made.id))).toBe(true);
    expect(autoCommit("host", (tx) => store.delete(tx, made.id))).toBe(false);
    expect(events.map((e) => [e.topic, e.payload])).toEqual([
      ["memory.created", { id: made.id, threadId: "t" }],
      ["memory.updated", { id: made.id }],
      ["memory.deleted", { id: made.id }],
    ]);
  });

  test("query filters by tag, text (ignoring case) and thread, most recently written first, up to limit", () => {
    const { store } = setup();
    const put = (id: string, content: string, tags: string[] = [], threadId?: string) =>
      autoCommit("host", (tx) => store.put(tx, threadId === undefined ? { id, content, tags } : { id, content, tags, threadId }));
    put("1", "The Quick fox", ["animal"], "t");
    put("2", "a slow turtle", ["animal"]);
    put("3", "QUICK maths", [], "t");
    const ids = (query: Parameters<MemoryStore["query"]>[1]) => autoCommit("host", (tx) => store.query(tx, query).map((r) => r.id));
    expect(ids({})).toEqual(["3", "2", "1"]);
    expect(ids({ tag: "animal" })).toEqual(["2", "1"]);
    expect(ids({ text: "quick" })).toEqual(["3", "1"]);
    expect(ids({ threadId: "t", tag: "animal" })).toEqual(["1"]);
    expect(ids({ limit: 2 })).toEqual(["3", "2"]);
    put("1", "The Quick fox, again", ["animal"], "t");
    expect(ids({})).toEqual(["1", "3", "2"]);
    expect(() => ids({ limit: 0 })).toThrow(/limit/);
  });

  test("content over 256 KiB of UTF-8 is too_large", () => {
    const { store } = setup();
    expect(() => autoCommit("host", (tx) => store.put(tx, { content: "€".repeat(87382) }))).toThrow(/too|at most/);
    expect(autoCommit("host", (tx) => store.put(tx, { content: "€".repeat(87381) })).content).toHaveLength(87381);
  });
});
