import { EventBus } from "@threadspace/host";
import { DELETE, seqKey, type EventRow } from "@threadspace/storage";
import { describe, expect, test } from "vitest";
import { EventLog } from "./event-log.ts";

describe("EventLog: the bounded event log", () => {
  test("keeps the last `size` events in order, with seqs; since and limit page through them", () => {
    const bus = new EventBus();
    const log = new EventLog(bus, 3);
    for (let i = 0; i < 5; i++) bus.emit("app.saved", { n: i });
    expect(log.recent().map((event) => [event.seq, event.payload])).toEqual([
      [2, { n: 2 }],
      [3, { n: 3 }],
      [4, { n: 4 }],
    ]);
    expect(log.recent({ since: 2 }).map((event) => event.seq)).toEqual([3, 4]);
    expect(log.recent({ limit: 1 }).map((event) => event.seq)).toEqual([4]);
    expect(log.recent({ since: 4 })).toEqual([]);
    expect(() => log.recent({ limit: -1 })).toThrow(/limit/);
  });

  test("takeWrites stores new events and deletes the ones that fell out; a failed store is retried next time", () => {
    const bus = new EventBus();
    const log = new EventLog(bus, 3);
    let armed = 0;
    log.onAppend = () => void armed++;
    bus.emit("a.one");
    bus.emit("a.two");
    expect(armed).toBe(1); // once until the writes are taken
    const first = log.takeWrites();
    expect(first.writes.map((write) => write.key)).toEqual([seqKey(0), seqKey(1)]);
    // Not committed: the next take writes them again, with what came since.
    for (let i = 0; i < 3; i++) bus.emit("a.more", { i });
    expect(armed).toBe(2);
    const second = log.takeWrites();
    expect(second.writes.map((write) => [write.key, write.value === DELETE])).toEqual([
      [seqKey(2), false],
      [seqKey(3), false],
      [seqKey(4), false],
    ]);
    second.done();
    bus.emit("a.last");
    const third = log.takeWrites();
    expect(third.writes.map((write) => [write.key, write.value === DELETE])).toEqual([
      [seqKey(2), true],
      [seqKey(5), false],
    ]);
    expect(third.writes[1]?.value).toMatchObject({ seq: 5, topic: "a.last", payload: null, source: "host" });
  });

  test("restore loads stored rows and counts on from them; a payload that is not plain JSON is stored as JSON carries it", () => {
    const rows: EventRow[] = [1, 2, 3].map((seq) => ({ seq, topic: "a.b", payload: { seq }, source: "p", at: seq }));
    const bus = new EventBus();
    const log = new EventLog(bus, 2);
    let armed = 0;
    log.onAppend = () => void armed++;
    log.restore(rows);
    expect(armed).toBe(1); // three stored, two kept: the next store trims one
    expect(log.recent().map((event) => event.seq)).toEqual([2, 3]);
    bus.emit("a.c", { when: new Date(0), gone: undefined });
    const { writes } = log.takeWrites();
    expect(writes.map((write) => [write.key, write.value === DELETE])).toEqual([
      [seqKey(1), true],
      [seqKey(2), true],
      [seqKey(4), false],
    ]);
    expect(writes[2]?.value).toMatchObject({ seq: 4, payload: { when: "1970-01-01T00:00:00.000Z" } });
  });

  test("size 0 keeps nothing", () => {
    const bus = new EventBus();
    const log = new EventLog(bus, 0);
    bus.emit("a.b");
    expect(log.recent()).toEqual([]);
    expect(log.takeWrites().writes).toEqual([]);
    expect(() => new EventLog(bus, -1)).toThrow(/eventLogSize/);
  });
});
