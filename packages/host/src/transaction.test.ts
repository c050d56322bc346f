import { DELETE, key } from "@threadspace/storage";
import { describe, expect, test } from "vitest";
import { HostState } from "./state/host-state.ts";
import { CallTransaction, autoCommit, storedCommit } from "./transaction.ts";

describe("CallTransaction.prepare: a call's writes as storage writes", () => {
  test("kv, memories, threads and entries become one batch; apply makes them visible and runs after-commit actions", () => {
    const state = new HostState();
    const events: string[] = [];
    state.events.on("*.*", (event) => void events.push(event.topic));
    const tx = new CallTransaction("p1");
    state.kv.set(tx, "p1", "a\u0000b", { n: 1 });
    const memory = state.memories.put(tx, { id: "m1", content: "hi", tags: ["x"] });
    state.threads.create(tx, { id: "t1", title: "T" });
    state.threads.append(tx, { threadId: "t1", content: "one" });
    const { writes, apply } = tx.prepare();
    expect(writes).toEqual([
      { store: "kv", key: key("p1", "a\u0000b"), value: { n: 1 } },
      { store: "memories", key: "m1", value: { ...memory, owner: "p1" } },
      { store: "threads", key: "t1", value: { id: "t1", title: "T", metadata: {}, createdAt: expect.any(Number), owner: "p1" } },
      { store: "entries", key: key("t1", 0), value: { seq: 0, author: "p1", content: "one", at: expect.any(Number), owner: "p1" } },
    ]);
    const reader = new CallTransaction("p2");
    expect(state.memories.get(reader, "m1")).toBeUndefined();
    expect(events).toEqual([]);
    apply();
    expect(state.memories.get(reader, "m1")).toEqual(memory);
    expect(state.kv.get(reader, "p1", "a\u0000b")).toEqual({ n: 1 });
    expect(events).toEqual(["memory.created", "thread.created", "thread.appended"]);
  });

  test("abort after prepare drops everything; deletes become DELETE writes", () => {
    const state = new HostState();
    autoCommit("host", (tx) => state.kv.set(tx, "p1", "k", 1));
    const tx = new CallTransaction("p1");
    state.kv.delete(tx, "p1", "k");
    expect(tx.prepare().writes).toEqual([{ store: "kv", key: key("p1", "k"), value: DELETE }]);
    tx.abort();
    expect(state.kv.get(new CallTransaction("p2"), "p1", "k")).toBe(1);
  });

  test("commit() hands the writes to the persistence's behind after applying them (the embedder's write-behind)", () => {
    const stored: unknown[] = [];
    const state = new HostState({ commit: () => undefined, behind: (writes, actor) => void stored.push({ actor, keys: writes.map((write) => write.key) }) });
    autoCommit("host", (tx) => state.kv.set(tx, "p1", "k", 1));
    autoCommit("host", (tx) => state.kv.get(tx, "p1", "k"));
    expect(stored).toEqual([{ actor: "host", keys: [key("p1", "k")] }]);
  });

  test("entries of overlapping commits on one thread get distinct stored seqs", () => {
    const state = new HostState();
    autoCommit("host", (tx) => state.threads.create(tx, { id: "t" }));
    const a = new CallTransaction("a");
    const b = new CallTransaction("b");
    state.threads.append(a, { threadId: "t", content: "a" });
    state.threads.append(b, { threadId: "t", content: "b" });
    const pa = a.prepare();
    const pb = b.prepare();
    expect([...pa.writes, ...pb.writes].map((write) => write.key)).toEqual([key("t", 0), key("t", 1)]);
    pa.apply();
    pb.apply();
    expect(state.threads.read(new CallTransaction("r"), { threadId: "t" }).map((entry) => entry.content)).toEqual(["a", "b"]);
  });
});

describe("CallTransaction.fail: a call's own failure", () => {
  test("keeps the first failure and counts host calls", () => {
    const tx = new CallTransaction("p1");
    expect(tx.failure).toBeUndefined();
    const first = new Error("first");
    tx.fail(first);
    tx.fail(new Error("second"));
    expect(tx.failure).toBe(first);
    expect([tx.countHostCall(), tx.countHostCall()]).toEqual([1, 2]);
  });
});

describe("storedCommit: the embedder's durable writes (with a driver: test/contract/persistence.contract.ts)", () => {
  test("without storage it commits in memory and resolves; a refused write rejects and keeps nothing", async () => {
    const state = new HostState();
    const reader = new CallTransaction("p2");
    expect((await storedCommit(state.storage, "host", (tx) => state.memories.put(tx, { id: "m1", content: "x" }))).id).toBe("m1");
    expect(state.memories.get(reader, "m1")?.content).toBe("x");
    const refused = storedCommit(state.storage, "host", (tx) => {
      state.memories.put(tx, { id: "m2", content: "y" });
      return state.memories.put(tx, { content: "z".repeat(300 * 1024) });
    });
    await expect(refused).rejects.toMatchObject({ code: "too_large" });
    expect(state.memories.get(reader, "m2")).toBeUndefined();
  });
});
