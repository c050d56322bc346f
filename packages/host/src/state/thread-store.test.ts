import { describe, expect, test } from "vitest";
import { HostFailure } from "../host-types.ts";
import { CallTransaction, autoCommit } from "../transaction.ts";
import { EventBus, type TopicEvent } from "./event-bus.ts";
import { ThreadStore } from "./thread-store.ts";

function setup(): { store: ThreadStore; events: TopicEvent[] } {
  const bus = new EventBus();
  const events: TopicEvent[] = [];
  bus.listen((event) => void events.push(event));
  return { store: new ThreadStore(bus), events };
}

const contents = (store: ThreadStore, threadId: string): string[] => autoCommit("host", (tx) => store.read(tx, { threadId, limit: 1000 }).map((e) => `${e.seq}:${e.content}`));

describe("ThreadStore", () => {
  test("create makes a thread once; an existing id returns it unchanged; metadata is a frozen copy", () => {
    const { store, events } = setup();
    const metadata = JSON.parse('{"k":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const thread = autoCommit("host", (tx) => store.create(tx, { id: "t", title: "Talk", metadata }));
    expect(thread).toEqual({ id: "t", title: "Talk", metadata, createdAt: expect.any(Number), length: 0 });
    expect(thread.metadata).not.toBe(metadata);
    expect(Object.isFrozen(thread.metadata)).toBe(true);
    expect(autoCommit("host", (tx) => store.create(tx, { id: "t", title: "other" })).title).toBe("Talk");
    expect(autoCommit("host", (tx) => store.create(tx)).id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.map((e) => e.topic)).toEqual(["thread.created", "thread.created"]);
    expect(() => autoCommit("host", (tx) => store.create(tx, { metadata: { big: "x".repeat(16 * 1024) } }))).toThrow(HostFailure);
    expect(() => autoCommit("host", (tx) => store.create(tx, { metadata: [] as never }))).toThrow(/object/);
  });

  test("appends get seq 0, 1, 2 ...; a transaction reads its own appends; abort discards them", () => {
    const { store, events } = setup();
    autoCommit("host", (tx) => store.create(tx, { id: "t" }));
    expect(autoCommit("host", (tx) => store.append(tx, { threadId: "t", content: "a" }))).toBe(0);
    const tx = new CallTransaction("p");
    expect(store.append(tx, { threadId: "t", content: "b" })).toBe(1);
    expect(store.append(tx, { threadId: "t", content: "c", author: "ada" })).toBe(2);
    expect(store.read(tx, { threadId: "t" }).map((e) => [e.seq, e.author, e.content])).toEqual([
      [0, "host", "a"],
      [1, "p", "b"],
      [2, "ada", "c"],
    ]);
    expect(store.read(tx, { threadId: "t", fromSeq: 1, limit: 1 }).map((e) => e.content)).toEqual(["b"]);
    expect(store.read(tx, { threadId: "t", fromSeq: 2 }).map((e) => e.content)).toEqual(["c"]);
    expect(store.get(tx, "t")?.length).toBe(3);
    expect(contents(store, "t")).toEqual(["0:a"]);
    tx.commit();
    expect(contents(store, "t")).toEqual(["0:a", "1:b", "2:c"]);

    const aborted = new CallTransaction("p");
    store.append(aborted, { threadId: "t", content: "lost" });
    aborted.abort();
    expect(contents(store, "t")).toEqual(["0:a", "1:b", "2:c"]);
    expect(events.filter((e) => e.topic === "thread.appended").map((e) => e.payload)).toEqual([
      { threadId: "t", seq: 0, author: "host" },
      { threadId: "t", seq: 1, author: "p" },
      { threadId: "t", seq: 2, author: "ada" },
    ]);
  });

  test("overlapping transactions never overwrite each other: entries follow commit order, events carry final seqs", () => {
    const { store, events } = setup();
    autoCommit("host", (tx) => store.create(tx, { id: "t" }));
    const first = new CallTransaction("first");
    const second = new CallTransaction("second");
    expect(store.append(first, { threadId: "t", content: "f0" })).toBe(0);
    expect(store.append(second, { threadId: "t", content: "s0" })).toBe(0);
    expect(store.append(second, { threadId: "t", content: "s1" })).toBe(1);
    second.commit();
    first.commit();
    expect(contents(store, "t")).toEqual(["0:s0", "1:s1", "2:f0"]);
    expect(events.filter((e) => e.topic === "thread.appended").map((e) => [e.source, (e.payload as { seq: number }).seq])).toEqual([
      ["second", 0],
      ["second", 1],
      ["first", 2],
    ]);
  });

  test("list is newest first; missing threads are not_found; content over 256 KiB is too_large", () => {
    const { store } = setup();
    for (const id of ["a", "b", "c"]) autoCommit("host", (tx) => store.create(tx, { id }));
    expect(autoCommit("host", (tx) => store.list(tx).map((t) => t.id))).toEqual(["c", "b", "a"]);
    expect(autoCommit("host", (tx) => store.list(tx, 1).map((t) => t.id))).toEqual(["c"]);
    const failure = (work: (tx: CallTransaction) => unknown): string | undefined => {
      try {
        autoCommit("host", work);
      } catch (error) {
        return error instanceof HostFailure ? error.code : "other";
      }
      return undefined;
    };
    expect(failure((tx) => store.append(tx, { threadId: "nope", content: "x" }))).toBe("not_found");
    expect(failure((tx) => store.read(tx, { threadId: "nope" }))).toBe("not_found");
    expect(failure((tx) => store.read(tx, { threadId: "a", fromSeq: -1 }))).toBe("bad_request");
    expect(failure((tx) => store.append(tx, { threadId: "a", content: "x".repeat(256 * 1024 + 1) }))).toBe("too_large");
  });
});
