import { createEngine, type Engine, type EngineOptions, type MemoryRecord, type TopicEvent } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";
import { quietLogger } from "../support/quiet-logger.ts";

type Reply = { ok?: unknown; error?: { code: string; message: string } };

/** Every export of host-data that forwards its input to one host function. */
const FORWARDERS = ["memory_put", "memory_get", "memory_query", "memory_delete", "thread_create", "thread_append", "thread_read", "thread_list", "event_emit"] as const;
const ALL_PERMISSIONS = ["memory:read", "memory:write", "thread:read", "thread:write", "event:emit", "event:subscribe"] as const;


/** Polls until `condition` holds (event delivery is asynchronous). */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The memory, thread and event host APIs through a real plugin, and the embedder's views of the same data. */
export function hostDataContract(env: TestEnv): void {
  describe("host API: memories, threads and events", () => {
    let engine: Engine;
    let logger: ReturnType<typeof quietLogger>;
    afterEach(() => engine.close());

    const start = async (options: EngineOptions = {}, grant?: readonly string[]): Promise<void> => {
      logger = quietLogger();
      engine = await createEngine({ grant: true, logger, ...options });
      await engine.install(await fixture(env, "host-data"), grant === undefined ? {} : { grant: grant as never });
    };
    /** A second instance of the fixture that subscribes to nothing (it emits and writes). */
    const addEmitter = async (name = "emitter"): Promise<void> => {
      await engine.install(await fixture(env, "host-data", { name, interface: "extism", subscriptions: [] }));
    };
    const call = async (fn: string, request: unknown, plugin = "host-data"): Promise<Reply> => (await engine.call(plugin, fn, request as never)).json<Reply>();
    const ok = async (fn: string, request: unknown, plugin = "host-data"): Promise<unknown> => {
      const reply = await call(fn, request, plugin);
      expect(reply.error, `${fn} replied with an error`).toBeUndefined();
      return reply.ok;
    };
    /** What host-data's on_event appended to thread "inbox", oldest first. */
    const inbox = (author = "host-data"): TopicEvent[] =>
      engine.threads
        .read({ threadId: "inbox", limit: 1000 })
        .filter((entry) => entry.author === author)
        .map((entry) => JSON.parse(entry.content) as TopicEvent);
    const topicsIn = (events: readonly TopicEvent[]): string[] => events.map((event) => event.topic);
    /** Emits `app.end` from the embedder and waits for host-data to record it: every earlier event was handled by then. */
    const settle = async (): Promise<void> => {
      engine.events.emit("app.end", null);
      await waitFor(() => inbox().some((event) => event.topic === "app.end"), "app.end to reach host-data");
    };

    describe("memories", () => {
      test("put, get, query and delete round-trip, and the embedder sees the same records", async () => {
        await start();
        const first = (await ok("memory_put", { content: "Hello Wörld", tags: ["a", "b", "a"] })) as MemoryRecord;
        expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), content: "Hello Wörld", tags: ["a", "b"], createdAt: expect.any(Number), updatedAt: first.createdAt });
        expect(await ok("memory_get", { id: first.id })).toEqual(first);
        expect(engine.memories.get(first.id)).toEqual(first);

        const replaced = (await ok("memory_put", { id: first.id, content: "Changed text", tags: ["b"] })) as MemoryRecord;
        expect(replaced.createdAt).toBe(first.createdAt);
        expect(replaced.updatedAt).toBeGreaterThanOrEqual(first.updatedAt);

        const fromHost = engine.memories.put({ id: "e1", content: "from the embedder", threadId: "t1", tags: ["host"] });
        expect(await ok("memory_get", { id: "e1" })).toEqual(fromHost);
        expect(await ok("memory_query", {})).toEqual([fromHost, replaced]);
        expect(await ok("memory_query", { limit: 1 })).toEqual([fromHost]);
        expect(await ok("memory_query", { tag: "b" })).toEqual([replaced]);
        expect(await ok("memory_query", { text: "CHANGED" })).toEqual([replaced]);
        expect(await ok("memory_query", { text: "nowhere" })).toEqual([]);
        expect(await ok("memory_query", { threadId: "t1" })).toEqual([fromHost]);
        expect(await ok("memory_query", { tag: "host", text: "EMBEDDER", threadId: "t1" })).toEqual([fromHost]);
        expect(engine.memories.query({ tag: "b" })).toEqual([replaced]);

        expect(await ok("memory_delete", { id: first.id })).toBe(true);
        expect(await ok("memory_delete", { id: first.id })).toBe(false);
        expect((await call("memory_get", { id: first.id })).error?.code).toBe("not_found");
        expect(engine.memories.get(first.id)).toBeUndefined();
        expect(engine.memories.delete("e1")).toBe(true);
        expect(await ok("memory_query", {})).toEqual([]);
      });

      test("a call's memories are visible to itself at once, to others after it returns, and gone if it traps", async () => {
        await start();
        await expectCode(engine.call("host-data", "put_three_then_trap", { content: "x" }), "plugin_trap");
        await expectCode(engine.call("host-data", "put_then_trap", { id: "t", content: "x" }), "plugin_trap");
        expect(engine.memories.query()).toEqual([]);
        expect(await ok("put_three", { content: "x" })).toMatchObject({ content: "x" });
        expect(engine.memories.query()).toHaveLength(3);
        expect(await ok("put_then_get", { id: "self", content: "mine" })).toMatchObject({ id: "self", content: "mine" });
        expect(engine.memories.get("self")?.content).toBe("mine");
      });
    });

    describe("threads", () => {
      test("create, append, read and list, shared with the embedder", async () => {
        await start();
        const metadata = '{"k":1,"__proto__":{"polluted":true}}';
        const talk = await ok("thread_create", `{"id":"t","title":"Talk","metadata":${metadata}}`);
        expect(talk).toEqual({ id: "t", title: "Talk", metadata: JSON.parse(metadata) as unknown, createdAt: expect.any(Number), length: 0 });
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
        expect(await ok("thread_create", { id: "t", title: "ignored" })).toMatchObject({ id: "t", title: "Talk" });
        const other = (await ok("thread_create", {})) as { id: string };
        expect(other).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), title: "", metadata: {}, length: 0 });

        expect(await ok("thread_append", { threadId: "t", content: "one" })).toEqual({ seq: 0 });
        expect(await ok("thread_append", { threadId: "t", content: "two", author: "ada" })).toEqual({ seq: 1 });
        expect(engine.threads.append({ threadId: "t", content: "three" })).toBe(2);
        const entries = await ok("thread_read", { threadId: "t" });
        expect(entries).toEqual([
          { seq: 0, author: "host-data", content: "one", at: expect.any(Number) },
          { seq: 1, author: "ada", content: "two", at: expect.any(Number) },
          { seq: 2, author: "host", content: "three", at: expect.any(Number) },
        ]);
        expect(engine.threads.read({ threadId: "t" })).toEqual(entries);
        expect(await ok("thread_read", { threadId: "t", fromSeq: 1, limit: 1 })).toMatchObject([{ seq: 1, content: "two" }]);
        expect(await ok("thread_read", { threadId: "t", fromSeq: 9 })).toEqual([]);

        expect(((await ok("thread_list", {})) as Array<{ id: string }>).map((t) => t.id)).toEqual([other.id, "t"]);
        expect(await ok("thread_list", { limit: 1 })).toMatchObject([{ id: other.id }]);
        expect(engine.threads.list()).toMatchObject([{ id: other.id }, { id: "t", length: 3 }]);
        expect((await call("thread_append", { threadId: "missing", content: "x" })).error?.code).toBe("not_found");
        expect((await call("thread_read", { threadId: "missing" })).error?.code).toBe("not_found");
      });

      test("a call's appends are visible to itself at once and gone if it traps; seqs stay gap-free", async () => {
        await start();
        engine.threads.create({ id: "t" });
        await expectCode(engine.call("host-data", "append_then_trap", { threadId: "t", content: "lost" }), "plugin_trap");
        expect(engine.threads.read({ threadId: "t" })).toEqual([]);
        expect(await ok("append_then_read", { threadId: "t", content: "kept" })).toMatchObject([{ seq: 0, content: "kept" }]);
        // Calls of two plugins that overlap: every entry lands, in commit order, without gaps,
        // and thread.appended carries each entry's final seq.
        await addEmitter();
        const announced: number[] = [];
        engine.events.on("thread.appended", (event) => void announced.push((event.payload as { seq: number }).seq));
        await Promise.all(Array.from({ length: 10 }, (_, i) => ok("thread_append", { threadId: "t", content: `n${i}` }, i % 2 === 0 ? "host-data" : "emitter")));
        const entries = engine.threads.read({ threadId: "t" });
        expect(entries.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(entries.map((entry) => entry.content).sort()).toEqual(["kept", ...Array.from({ length: 10 }, (_, i) => `n${i}`)].sort());
        expect(announced).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });
    });

    describe("every function", () => {
      test("without its permission replies permission_denied, before reading the request, and changes nothing", async () => {
        await start({ grant: false });
        engine.threads.create({ id: "t" });
        const seen: TopicEvent[] = [];
        engine.events.on("app.*", (event) => void seen.push(event));
        for (const fn of FORWARDERS) {
          expect((await call(fn, { id: "x", content: "x", threadId: "t", topic: "app.x" })).error?.code, fn).toBe("permission_denied");
          expect((await engine.call("host-data", fn, "not json")).json<Reply>().error?.code, fn).toBe("permission_denied");
        }
        for (const fn of ["put_then_trap", "append_then_trap", "emit_then_trap"]) await expectCode(engine.call("host-data", fn, {}), "plugin_trap");
        expect(engine.memories.query()).toEqual([]);
        expect(engine.threads.list()).toMatchObject([{ id: "t", length: 0 }]);
        expect(seen).toEqual([]);

        engine.permissions.grant("host-data", ["memory:read"]);
        expect((await call("memory_get", { id: "x" })).error?.code).toBe("not_found");
        expect((await call("memory_put", { content: "x" })).error?.code).toBe("permission_denied");
        engine.permissions.grant("host-data", ["thread:read"]);
        expect(await ok("thread_read", { threadId: "t" })).toEqual([]);
        expect((await call("thread_append", { threadId: "t", content: "x" })).error?.code).toBe("permission_denied");
      });

      test("replies bad_request to malformed requests and changes nothing", async () => {
        await start();
        engine.threads.create({ id: "t" });
        const bad: Record<(typeof FORWARDERS)[number], unknown[]> = {
          memory_put: [{}, { content: 5 }, { content: "x", tags: "a" }, { content: "x", tags: [""] }, { id: "", content: "x" }, { content: "x", threadId: 7 }],
          memory_get: [{}, { id: 1 }, { id: "a\u0000b" }],
          memory_query: [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }, { tag: 3 }, { text: "" }],
          memory_delete: [{}, { id: null }],
          thread_create: [{ metadata: [] }, { metadata: "x" }, { title: 5 }, { id: "" }],
          thread_append: [{ threadId: "t" }, { content: "x" }, { threadId: "t", content: 1 }, { threadId: "t", content: "x", author: "" }],
          thread_read: [{}, { threadId: 1 }, { threadId: "t", fromSeq: -1 }, { threadId: "t", limit: 0 }],
          thread_list: [{ limit: "10" }, { limit: 5000 }],
          event_emit: [{}, { topic: "Bad Topic" }, { topic: "app.*" }, { topic: "app..x" }, { topic: "memory.created" }, { topic: "plugin.installed" }, { topic: 1 }],
        };
        for (const fn of FORWARDERS) {
          for (const request of [...(bad[fn] ?? []), "not json", [1, 2], null]) {
            const reply = await call(fn, request);
            expect(reply.error?.code, `${fn} ${JSON.stringify(request)}`).toBe("bad_request");
            expect(reply.error?.message.length).toBeGreaterThan(0);
          }
          expect((await engine.call("host-data", fn, new Uint8Array([0xff, 0xfe]))).json<Reply>().error?.code, fn).toBe("bad_request");
        }
        expect(engine.memories.query()).toEqual([]);
        expect(engine.threads.list()).toMatchObject([{ id: "t", length: 0 }]);
        expect(Object.prototype).not.toHaveProperty("polluted");
      });

      test("replies too_large to oversize requests and content over the caps, and changes nothing", async () => {
        await start({ maxRequestBytes: 64 });
        engine.threads.create({ id: "t" });
        const padding = "x".repeat(100);
        for (const fn of FORWARDERS) {
          const reply = await call(fn, { id: "a", content: padding, threadId: "t", topic: "app.x", title: padding });
          expect(reply.error?.code, fn).toBe("too_large");
        }
        await engine.close();

        await start();
        engine.threads.create({ id: "t" });
        const huge = "é".repeat(128 * 1024 + 1); // 256 KiB + 2 bytes of UTF-8
        expect((await call("memory_put", { content: huge })).error?.code).toBe("too_large");
        expect((await call("thread_append", { threadId: "t", content: huge })).error?.code).toBe("too_large");
        expect((await call("thread_create", { metadata: { big: "x".repeat(17 * 1024) } })).error?.code).toBe("too_large");
        expect((await call("event_emit", { topic: "app.big", payload: "x".repeat(65 * 1024) })).error?.code).toBe("too_large");
        expect(await ok("memory_put", { content: "é".repeat(128 * 1024) })).toMatchObject({ tags: [] });
        await expectCode(Promise.resolve().then(() => engine.memories.put({ content: huge })), "bad_input");
        expect(engine.memories.query()).toHaveLength(1);
        expect(engine.threads.list()).toMatchObject([{ id: "t", length: 0 }]);
      });
    });

    describe("events", () => {
      test("ts_event_emit reaches embedder handlers after the call committed, with the plugin as source", async () => {
        await start();
        const seen: TopicEvent[] = [];
        const committed: boolean[] = [];
        engine.events.on("app.*", (event) => void seen.push(event));
        engine.events.on("app.saved", () => void committed.push(engine.memories.get("self") !== undefined));
        expect(await ok("event_emit", { topic: "app.hello", payload: { n: 1, s: "Wörld" } })).toBe(true);
        expect(seen).toEqual([{ topic: "app.hello", payload: { n: 1, s: "Wörld" }, source: "host-data", at: expect.any(Number) }]);
        await expectCode(engine.call("host-data", "emit_then_trap", { topic: "app.lost" }), "plugin_trap");
        expect(await ok("put_then_emit", { id: "self", content: "saved" })).toBe(true);
        expect(committed).toEqual([true]);
        expect(await ok("event_emit", { topic: "app.empty" })).toBe(true);
        expect(seen.map((event) => [event.topic, event.payload])).toEqual([
          ["app.hello", { n: 1, s: "Wörld" }],
          ["app.saved", { id: "self" }],
          ["app.empty", null],
        ]);
      });

      test("topic patterns: * matches exactly one segment, for handlers and subscriptions", async () => {
        await start();
        const byPattern: Record<string, string[]> = { "memory.*": [], "*.created": [], "app.*.deep": [], "*": [] };
        for (const pattern of Object.keys(byPattern)) engine.events.on(pattern, (event) => void byPattern[pattern]?.push(event.topic));
        engine.threads.create({ id: "inbox" });
        for (const topic of ["app", "app.a", "app.a.deep", "apps.a", "x"]) engine.events.emit(topic, null);
        engine.memories.put({ id: "m", content: "one" });
        engine.memories.put({ id: "m", content: "two" });
        engine.memories.delete("m");
        await settle();
        expect(topicsIn(inbox())).toEqual(["app.a", "memory.created", "app.end"]);
        expect(byPattern).toEqual({
          "memory.*": ["memory.created", "memory.updated", "memory.deleted"],
          "*.created": ["thread.created", "memory.created"],
          "app.*.deep": ["app.a.deep"],
          "*": ["app", "x"],
        });
        for (const pattern of ["memory.", "Memory.*", "memory.**", "a b", ""]) expect(() => engine.events.on(pattern, () => undefined), pattern).toThrow(/pattern/);
      });

      test("plugins receive their subscriptions through on_event in emit order, only after commit, never their own", async () => {
        await start();
        await addEmitter();
        engine.threads.create({ id: "inbox" });
        await Promise.all(Array.from({ length: 10 }, (_, i) => ok("event_emit", { topic: "app.n", payload: i }, "emitter")));
        await ok("emit_three", {}, "emitter");
        await expectCode(engine.call("emitter", "emit_then_trap", { topic: "app.lost" }), "plugin_trap");
        await expectCode(engine.call("emitter", "put_three_then_trap", { content: "lost" }), "plugin_trap");
        await ok("put_three", { content: "kept" }, "emitter");
        await ok("event_emit", { topic: "app.own" }); // host-data's own event: not delivered back to it
        await ok("memory_put", { content: "own" });
        await settle();
        const events = inbox();
        expect(events.map((event) => [event.topic, event.payload, event.source])).toEqual([
          ...Array.from({ length: 10 }, (_, i) => ["app.n", i, "emitter"]),
          ["app.seq", 1, "emitter"],
          ["app.seq", 2, "emitter"],
          ["app.seq", 3, "emitter"],
          ...engine.memories
            .query({ text: "kept" })
            .reverse()
            .map((memory) => ["memory.created", { id: memory.id }, "emitter"]),
          ["app.end", null, "host"],
        ]);
        expect(events.every((event) => typeof event.at === "number")).toBe(true);
        expect(engine.events.stats("host-data")).toEqual({ queued: 0, delivered: 17, failed: 0, dropped: 0, denied: 0 });
      });

      test("the per-plugin queue is bounded: overflow is dropped and counted", async () => {
        await start({ eventQueueSize: 3 });
        engine.threads.create({ id: "inbox" });
        for (let i = 0; i < 10; i++) engine.events.emit("app.n", i);
        // Delivery starts after emit returns, so all three places hold waiting events.
        expect(engine.events.stats("host-data")).toMatchObject({ queued: 3, dropped: 7 });
        await waitFor(() => engine.events.stats("host-data").delivered === 3, "three deliveries");
        expect(inbox().map((event) => event.payload)).toEqual([0, 1, 2]);
        expect(engine.events.stats("host-data")).toEqual({ queued: 0, delivered: 3, failed: 0, dropped: 7, denied: 0 });
      });

      test("a plugin without event:subscribe receives nothing; a revoke stops queued events", async () => {
        await start({}, ALL_PERMISSIONS.filter((p) => p !== "event:subscribe"));
        engine.threads.create({ id: "inbox" });
        engine.events.emit("app.x", 1);
        engine.memories.put({ content: "m" });
        expect(engine.events.stats("host-data")).toMatchObject({ queued: 0, denied: 2 });
        engine.permissions.grant("host-data", ["event:subscribe"]);
        engine.events.emit("app.y", 0);
        await waitFor(() => inbox().length === 1, "one delivery");
        for (let i = 1; i < 5; i++) engine.events.emit("app.y", i);
        engine.permissions.revoke("host-data", ["event:subscribe"]); // checked again at delivery: the queued four are refused
        await waitFor(() => engine.events.stats("host-data").queued === 0, "the queue to drain");
        expect(inbox().map((event) => [event.topic, event.payload])).toEqual([["app.y", 0]]);
        expect(engine.events.stats("host-data")).toMatchObject({ delivered: 1, denied: 6 });
      });

      test("a failing on_event is counted and logged; the plugin and the engine keep working", async () => {
        await start();
        const seen: string[] = [];
        engine.events.on("app.*", () => {
          throw new Error("handler broke");
        });
        engine.events.on("app.*", (event) => void seen.push(event.topic));
        engine.events.emit("app.fails", null); // no thread "inbox": on_event traps
        await waitFor(() => engine.events.stats("host-data").failed === 1, "the failure to be counted");
        expect(engine.events.stats("host-data").lastError).toMatch(/trap|unreachable/i);
        expect(logger.warnings.some((w) => w.includes("on_event failed"))).toBe(true);
        expect(logger.warnings.some((w) => w.includes("handler broke"))).toBe(true);
        expect(await ok("event_emit", { topic: "app.still" })).toBe(true);
        expect(seen).toEqual(["app.fails", "app.still"]);
        engine.threads.create({ id: "inbox" });
        await settle();
        expect(engine.events.stats("host-data")).toMatchObject({ delivered: 1, failed: 1 });
      });

      test("the engine publishes plugin, memory and thread topics, with who caused them", async () => {
        await start();
        const seen: TopicEvent[] = [];
        engine.events.on("plugin.*", (event) => void seen.push(event));
        engine.events.on("memory.*", (event) => void seen.push(event));
        engine.events.on("thread.*", (event) => void seen.push(event));
        await addEmitter();
        const memory = engine.memories.put({ content: "m", threadId: "t" });
        await ok("thread_create", { id: "t" });
        await ok("thread_append", { threadId: "t", content: "hi" });
        engine.threads.append({ threadId: "t", content: "hello", author: "ada" });
        await engine.unload("emitter");
        await engine.load("emitter");
        expect(seen.map(({ topic, payload, source }) => [topic, payload, source])).toEqual([
          ["plugin.installed", { name: "emitter", version: "1.0.0" }, "host"],
          ["memory.created", { id: memory.id, threadId: "t" }, "host"],
          ["thread.created", { threadId: "t" }, "host-data"],
          ["thread.appended", { threadId: "t", seq: 0, author: "host-data" }, "host-data"],
          ["thread.appended", { threadId: "t", seq: 1, author: "ada" }, "host"],
          ["plugin.unloaded", { name: "emitter" }, "host"],
          ["plugin.loaded", { name: "emitter", version: "1.0.0" }, "host"],
        ]);
      });

      test("the embedder's views check their arguments", async () => {
        await start();
        await expectCode(Promise.resolve().then(() => engine.memories.put({ content: 1 } as never)), "bad_input");
        await expectCode(Promise.resolve().then(() => engine.memories.query({ limit: 0 })), "bad_input");
        await expectCode(Promise.resolve().then(() => engine.threads.append({ threadId: "missing", content: "x" })), "bad_input");
        await expectCode(Promise.resolve().then(() => engine.events.emit("Not A Topic")), "bad_input");
        await expectCode(Promise.resolve().then(() => engine.events.emit("app.x", { n: 1n })), "bad_input");
        await expectCode(Promise.resolve().then(() => engine.events.stats("nobody")), "plugin_not_found");
        expect(engine.events.stats("host-data")).toEqual({ queued: 0, delivered: 0, failed: 0, dropped: 0, denied: 0 });
      });
    });
  });
}
