import { describe, expect, test } from "vitest";
import { HostFailure } from "../host-types.ts";
import { CallTransaction } from "../transaction.ts";
import { EventBus, TopicPattern, patternProblem, topicProblem, type TopicEvent } from "./event-bus.ts";

const matches = (pattern: string, topic: string): boolean => new TopicPattern(pattern).matches(topic.split("."));

describe("topics and patterns", () => {
  test("* matches exactly one segment, wherever it stands", () => {
    expect(matches("memory.*", "memory.created")).toBe(true);
    expect(matches("memory.*", "memory")).toBe(false);
    expect(matches("memory.*", "memory.created.v2")).toBe(false);
    expect(matches("*.created", "thread.created")).toBe(true);
    expect(matches("a.*.c", "a.b.c")).toBe(true);
    expect(matches("a.*.c", "a.b.d")).toBe(false);
    expect(matches("*", "app")).toBe(true);
    expect(matches("*", "app.x")).toBe(false);
    expect(matches("app.x", "app.x")).toBe(true);
    expect(matches("app.x", "apps.x")).toBe(false);
  });

  test("topics are lowercase segments; patterns may also use * segments", () => {
    for (const topic of ["a", "app.saved", "a-b.c_d.9"]) expect(topicProblem(topic), topic).toBeUndefined();
    for (const topic of ["", "App", "a..b", "a.", ".a", "a b", "a.*", "é", "a".repeat(257)]) expect(topicProblem(topic), topic).toBeDefined();
    for (const pattern of ["*", "a.*", "*.b", "*.*"]) expect(patternProblem(pattern), pattern).toBeUndefined();
    for (const pattern of ["", "a.**", "a*", "a.", "A.*", "#"]) expect(patternProblem(pattern), pattern).toBeDefined();
    expect(() => new TopicPattern("a.**")).toThrow(HostFailure);
  });
});

describe("EventBus", () => {
  test("emit publishes now; emitOnCommit publishes when the transaction commits, with its actor as source", () => {
    const bus = new EventBus();
    const seen: TopicEvent[] = [];
    bus.on("app.*", (event) => void seen.push(event));
    bus.emit("app.now", { n: 1 });
    expect(seen).toEqual([{ topic: "app.now", payload: { n: 1 }, source: "host", at: expect.any(Number) }]);

    const tx = new CallTransaction("plugin-a");
    bus.emitOnCommit(tx, "app.later");
    expect(seen).toHaveLength(1);
    tx.commit();
    expect(seen[1]).toMatchObject({ topic: "app.later", payload: null, source: "plugin-a" });

    const aborted = new CallTransaction("plugin-a");
    bus.emitOnCommit(aborted, "app.never");
    aborted.abort();
    expect(seen).toHaveLength(2);
    expect(() => bus.emit("App.Bad")).toThrow(HostFailure);
    expect(() => bus.emitOnCommit(new CallTransaction("x"), "a.*")).toThrow(HostFailure);
  });

  test("every listener sees every event in the same order, also when a handler emits", () => {
    const bus = new EventBus();
    const first: string[] = [];
    const second: string[] = [];
    bus.on("*", (event) => {
      first.push(event.topic);
      if (event.topic === "a") bus.emit("b");
    });
    bus.listen((event) => void second.push(event.topic));
    bus.emit("a");
    expect(first).toEqual(["a", "b"]);
    expect(second).toEqual(["a", "b"]);
  });

  test("a failing handler is reported and the others still run; off() unsubscribes", async () => {
    const bus = new EventBus();
    const errors: string[] = [];
    bus.onError = (error, event) => void errors.push(`${event.topic}: ${(error as Error).message}`);
    const seen: string[] = [];
    bus.on("x", () => {
      throw new Error("sync");
    });
    bus.on("x", () => Promise.reject(new Error("async")));
    const off = bus.on("x", (event) => void seen.push(event.topic));
    bus.emit("x");
    await Promise.resolve();
    expect(seen).toEqual(["x"]);
    expect(errors).toEqual(["x: sync", "x: async"]);
    off();
    bus.emit("x");
    expect(seen).toEqual(["x"]);
  });
});
