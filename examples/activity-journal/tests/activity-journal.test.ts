// activity-journal in a real engine: the built plugin.wasm (run `npm run build:examples` first)
// receives memory events through on_event and appends lines to the "journal" thread. Delivery is
// asynchronous: the tests poll engine.threads.read (and engine.events.stats) with a deadline.
import { createEngine, type Engine, type EngineLogger, type GrantPolicy, type ThreadEntry } from "@threadspace/core";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test, vi } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("../plugin.json", import.meta.url), "utf8"));
const NAME = "activity-journal";
const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
/** How long delivery may take before a test gives up (generous: CI machines are slow). */
const DEADLINE = { timeout: 5_000, interval: 10 };
const ISO = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function start(grant: GrantPolicy = true): Promise<Engine> {
  engine = await createEngine({ grant, logger: quiet });
  await engine.install(dir);
  return engine;
}

/** The journal's entries once it has at least `n` (polls until the deadline). */
async function journal(e: Engine, n: number, threadId = "journal"): Promise<ThreadEntry[]> {
  return vi.waitFor(() => {
    const entries = e.threads.get(threadId) === undefined ? [] : e.threads.read({ threadId, limit: 1000 });
    expect(entries.length).toBeGreaterThanOrEqual(n);
    return entries;
  }, DEADLINE);
}

describe("activity-journal", () => {
  test("installs and creates the journal thread; subscribes to memory events", async () => {
    const e = await start();
    expect(e.get(NAME)).toMatchObject({ name: manifest.name, version: manifest.version, state: "ready" });
    expect([...e.get(NAME)!.granted].sort()).toEqual([...manifest.permissions].sort());
    expect(e.threads.get("journal")).toMatchObject({ id: "journal", title: "Activity journal", length: 0 });
  });

  test("one line per memory event, in order: created (with thread, tags, preview), updated, deleted", async () => {
    const e = await start();
    const before = Date.now();
    // A line quotes the memory as it is when the event is delivered (events carry ids only), so
    // each write waits for its line here.
    e.memories.put({ id: "m1", content: "Call Ada on Monday\nabout the   plugin guide", tags: ["todo", "ada"], threadId: "t-1" });
    await journal(e, 1);
    e.memories.put({ id: "m2", content: "Wörld 🌍 " + "x".repeat(100) });
    await journal(e, 2);
    e.memories.put({ id: "m1", content: "Call Ada on Tuesday", tags: ["todo"] });
    await journal(e, 3);
    e.memories.delete("m2");
    const entries = await journal(e, 4);
    expect(entries).toHaveLength(4);
    expect(entries.map((x) => x.seq)).toEqual([0, 1, 2, 3]);
    expect(entries.every((x) => x.author === NAME)).toBe(true);
    const lines = entries.map((x) => x.content);
    expect(lines[0]).toMatch(new RegExp(`^${ISO} memory\\.created m1 thread=t-1 tags=todo,ada "Call Ada on Monday about the plugin guide"$`));
    // 60 characters: "Wörld 🌍 " is 8 (the emoji counts once), then 52 x
    expect(lines[1]).toMatch(new RegExp(`^${ISO} memory\\.created m2 "Wörld 🌍 x{52}…"$`));
    expect(lines[2]).toMatch(new RegExp(`^${ISO} memory\\.updated m1 tags=todo "Call Ada on Tuesday"$`));
    expect(lines[3]).toMatch(new RegExp(`^${ISO} memory\\.deleted m2$`));
    // The time is the event's publication time.
    const at = Date.parse(lines[0]!.slice(0, 24));
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());

    expect(e.events.stats(NAME)).toMatchObject({ delivered: 4, failed: 0, dropped: 0, denied: 0 });
    expect(await e.health(NAME)).toMatchObject({ status: "healthy", metrics: { events_journaled: 4, events_failed: 0, last_seq: 3, thread: "journal" } });
    // read_journal returns the same lines.
    expect((await e.call(NAME, "read_journal")).text()).toBe(lines.join("\n"));
    expect((await e.call(NAME, "read_journal", "2")).text()).toBe(lines.slice(2).join("\n"));
  });

  test("events it did not subscribe to are not journaled; the journal never feeds itself", async () => {
    const e = await start();
    const t = e.threads.create({ id: "other" });
    e.threads.append({ threadId: t.id, content: "hello" }); // thread.appended: not subscribed
    e.events.emit("app.saved", { id: "x" }); // not subscribed
    e.memories.put({ id: "last", content: "the only one" });
    const entries = await journal(e, 1);
    await vi.waitFor(() => expect(e.events.stats(NAME).queued).toBe(0), DEADLINE);
    expect(e.threads.read({ threadId: "journal" })).toHaveLength(1);
    expect(entries[0]!.content).toContain("memory.created last");
  });

  test("many events: every one journaled once, in publish order", async () => {
    const e = await start();
    const n = 250;
    for (let i = 0; i < n; i++) e.memories.put({ id: `m${i}`, content: `note ${i}` });
    const entries = await journal(e, n);
    expect(entries.map((x) => x.content.split(" ")[2])).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    expect(e.events.stats(NAME)).toMatchObject({ delivered: n, failed: 0, dropped: 0 });
  });

  test("without event:subscribe: no event reaches it (counted as denied), nothing is journaled", async () => {
    const e = await start(["thread:write", "thread:read", "memory:read", "config:read", "log"]);
    e.memories.put({ id: "m1", content: "unseen" });
    await vi.waitFor(() => expect(e.events.stats(NAME).denied).toBeGreaterThanOrEqual(1), DEADLINE);
    expect(e.events.stats(NAME)).toMatchObject({ delivered: 0, failed: 0 });
    expect(e.threads.read({ threadId: "journal" })).toEqual([]);

    // Granted later: the next event is journaled.
    e.permissions.grant(NAME, ["event:subscribe"]);
    e.memories.put({ id: "m2", content: "seen" });
    expect((await journal(e, 1)).map((x) => x.content)).toEqual([expect.stringMatching(/memory\.created m2 "seen"$/)]);
  });

  test("without thread:write: installs with degraded health, each event fails (counted) naming the permission; a grant recovers", async () => {
    const e = await start(["event:subscribe", "thread:read", "memory:read", "config:read", "log"]);
    expect(e.threads.get("journal")).toBeUndefined();
    const health = await e.health(NAME);
    expect(health).toMatchObject({ status: "degraded", message: expect.stringContaining("thread:write") });
    expect(health.metrics["last_error"]).toMatch(/permission_denied/);

    e.memories.put({ id: "m1", content: "lost" });
    await vi.waitFor(() => expect(e.events.stats(NAME).failed).toBe(1), DEADLINE);
    expect(e.events.stats(NAME).lastError).toMatch(/thread:write/);
    expect(e.threads.get("journal")).toBeUndefined();
    expect(e.logs(NAME, { level: "warn" }).map((l) => l.message).join("\n")).toMatch(/thread:write/);

    e.permissions.grant(NAME, ["thread:write"]);
    e.memories.put({ id: "m2", content: "kept" });
    const entries = await journal(e, 1); // the thread is created on demand
    expect(entries.map((x) => x.content)).toEqual([expect.stringMatching(/memory\.created m2 "kept"$/)]);
    expect((await e.health(NAME)).status).toBe("healthy");
  });

  test("without memory:read: lines carry the ids only (events never carry content)", async () => {
    const e = await start(["event:subscribe", "thread:write", "config:read"]);
    e.memories.put({ id: "m1", content: "private text", tags: ["secret"], threadId: "t-9" });
    const [entry] = await journal(e, 1);
    expect(entry!.content).toMatch(new RegExp(`^${ISO} memory\\.created m1 thread=t-9$`));
  });

  test("config: a new thread (created by on_config_change), preview length and features", async () => {
    const e = await start();
    await e.config.set(NAME, { thread: "audit", title: "Audit trail" });
    expect(e.threads.get("audit")).toMatchObject({ title: "Audit trail", length: 0 });
    await e.config.set(NAME, { preview_chars: 4, features: { tags: false } });
    e.memories.put({ id: "m1", content: "abcdefgh", tags: ["t"] });
    expect((await journal(e, 1, "audit"))[0]!.content).toMatch(/memory\.created m1 "abcd…"$/);
    await e.config.set(NAME, { features: { preview: false, tags: true } });
    e.memories.put({ id: "m2", content: "abcdefgh", tags: ["t"] });
    expect((await journal(e, 2, "audit"))[1]!.content).toMatch(/memory\.created m2 tags=t$/);
    expect(e.threads.read({ threadId: "journal" })).toEqual([]);

    await expect(e.config.set(NAME, { thread: "" })).rejects.toMatchObject({ code: "config_invalid" });
    await expect(e.config.set(NAME, { features: { colour: true } })).rejects.toMatchObject({ code: "config_invalid" });
  });

  test("events caused by another plugin's writes name it", async () => {
    const e = await start();
    // The PDK's memory test plugin (built by `npm run build:examples` too) writes memories on request.
    await e.install(fileURLToPath(new URL("../../../packages/pdk-as/tests/fixtures/pdk-as-memory", import.meta.url)));
    await e.call("pdk-as-memory", "put", { id: "p1", content: "from a plugin" });
    expect((await journal(e, 1))[0]!.content).toMatch(new RegExp(`^${ISO} memory\\.created p1 "from a plugin" by pdk-as-memory$`));
  });

  test("an existing journal thread is reused, not replaced", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    engine.threads.create({ id: "journal", title: "Mine" });
    engine.threads.append({ threadId: "journal", content: "written by the embedder" });
    await engine.install(dir);
    engine.memories.put({ id: "m1", content: "x" });
    const entries = await journal(engine, 2);
    expect(engine.threads.get("journal")!.title).toBe("Mine");
    expect(entries.map((x) => [x.seq, x.author])).toEqual([
      [0, "host"],
      [1, NAME],
    ]);
  });
});
