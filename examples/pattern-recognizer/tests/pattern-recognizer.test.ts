// pattern-recognizer in a real engine: the built plugin.wasm (run `npm run build:examples` first)
// recognises patterns in JSON input and in threads the embedder wrote through engine.threads.
import { createEngine, type Engine, type EngineLogger, type GrantPolicy } from "@threadspace/core";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test, vi } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("../plugin.json", import.meta.url), "utf8"));
const NAME = "pattern-recognizer";
const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Pattern {
  kind: "repeated_phrase" | "recurring_key" | "value_shape" | "periodic_timestamps";
  description: string;
  evidence: Record<string, unknown>;
  count: number;
}

let engine: Engine | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await engine?.close();
  engine = undefined;
});

async function start(grant: GrantPolicy = true): Promise<Engine> {
  engine = await createEngine({ grant, logger: quiet });
  await engine.install(dir);
  return engine;
}
async function recognize(e: Engine, input: unknown): Promise<Pattern[]> {
  return (await e.call(NAME, "recognize_patterns", JSON.stringify(input))).json() as Pattern[];
}
const ofKind = (patterns: Pattern[], kind: Pattern["kind"]) => patterns.filter((p) => p.kind === kind);
const phrases = (patterns: Pattern[]) => ofKind(patterns, "repeated_phrase").map((p) => [p.evidence["phrase"], p.count]);

const EVENTS = {
  events: [
    { type: "login", user: "ana", at: "2026-01-01T10:00:00Z", note: "user logged in from the web app" },
    { type: "logout", user: "ana", at: "2026-01-01T10:05:00Z", note: "user logged out" },
    { type: "login", user: "bo", at: "2026-01-01T10:10:00Z", note: "user logged in from the mobile app" },
    { type: "login", user: "cy", at: "2026-01-01T10:15:00.000+00:00", note: "user logged in from the web app", extra: null },
  ],
};

describe("pattern-recognizer", () => {
  test("installs: get_metadata matches plugin.json; it asks for thread:read, config:read and log", async () => {
    const e = await start();
    expect(e.get(NAME)).toMatchObject({ name: manifest.name, version: manifest.version, state: "ready", capabilities: ["pattern-recognition"] });
    expect([...e.get(NAME)!.granted].sort()).toEqual(["config:read", "log", "thread:read"]);
  });

  test("a JSON object: every pattern has kind, description, evidence and count; sorted by kind, then count", async () => {
    const e = await start();
    const patterns = await recognize(e, EVENTS);
    for (const p of patterns) {
      expect(Object.keys(p)).toEqual(["kind", "description", "evidence", "count"]);
      expect(typeof p.description).toBe("string");
      expect(p.count).toBeGreaterThanOrEqual(2);
    }
    expect(patterns.map((p) => p.kind)).toEqual([...patterns.map((p) => p.kind)].sort((a, b) => order(a) - order(b)));
    expect(phrases(patterns)).toEqual([
      ["user logged", 4],
      ["logged in from the", 3],
      ["user logged in from", 3],
      ["from the web app", 2],
      ["in from the web", 2],
    ]);
    expect(ofKind(patterns, "repeated_phrase")[0]!.evidence).toEqual({
      phrase: "user logged",
      words: 2,
      locations: ["$.events[0].note", "$.events[1].note", "$.events[2].note", "$.events[3].note"],
    });
    expect(ofKind(patterns, "recurring_key").map((p) => p.evidence)).toEqual(
      ["at", "note", "type", "user"].map((key) => ({ key, objects: 4, paths: ["$.events[*]"], types: { string: 4 } })),
    );
    expect(ofKind(patterns, "value_shape")).toEqual([
      {
        kind: "value_shape",
        description: "3 objects share the shape {at: string, note: string, type: string, user: string} at $.events[*]",
        evidence: { shape: { at: "string", note: "string", type: "string", user: "string" }, objects: 3, paths: ["$.events[*]"] },
        count: 3,
      },
    ]);
    expect(ofKind(patterns, "periodic_timestamps")).toEqual([
      {
        kind: "periodic_timestamps",
        description: "ISO dates at $.events[*].at repeat every 5m (300000 ms), 4 samples",
        evidence: {
          path: "$.events[*].at",
          source: "ISO dates",
          period: 300000,
          unit: "ms",
          human: "5m",
          maxDeviation: 0,
          samples: 4,
          first: "2026-01-01T10:00:00Z",
          last: "2026-01-01T10:15:00.000+00:00",
        },
        count: 4,
      },
    ]);
  });

  test("phrases: 2-4 words, seen twice or more; a sub-phrase as frequent as a longer one is left out; stop-word-only phrases and punctuation breaks are skipped", async () => {
    const e = await start();
    expect(phrases(await recognize(e, ["the quick brown fox jumps", "a quick brown fox jumps high"]))).toEqual([["quick brown fox jumps", 2]]);
    // "quick brown" also occurs alone: it is more frequent than the 4-gram, so it stays.
    expect(phrases(await recognize(e, ["quick brown fox jumps", "quick brown fox jumps", "quick brown"]))).toEqual([
      ["quick brown", 3],
      ["quick brown fox jumps", 2],
    ]);
    // "of the" (3 times) is stop words only.
    expect(phrases(await recognize(e, { a: "state of the art design", b: "state of the art", c: "of the" }))).toEqual([["state of the art", 2]]);
    // "beta. gamma" crosses a sentence end, "Gamma, delta" a comma: neither is a phrase.
    expect(phrases(await recognize(e, { x: "Alpha beta. Gamma, delta", y: "alpha BETA. gamma, Delta" }))).toEqual([["alpha beta", 2]]);
    // Numbers alone are not phrases; Unicode words are lowercased beyond ASCII.
    expect(phrases(await recognize(e, ["1 2 3", "1 2 3", "Ünïcödé Straße", "ÜNÏCÖDÉ STRASSE", "ünïcödé straße"]))).toEqual([["ünïcödé straße", 2]]);
    // Nothing repeats: no patterns at all.
    expect(await recognize(e, { text: "every word here is different" })).toEqual([]);
  });

  test("recurring keys across paths, with their value types; shapes anywhere in the data", async () => {
    const e = await start();
    const patterns = await recognize(e, {
      user: { id: 1, name: "ana" },
      owner: { id: "u-2", name: "bo" },
      items: [
        { sku: "a", qty: 1, price: 2.5 },
        { sku: "b", qty: 2, price: null },
        { sku: "c", qty: 3, price: 4 },
      ],
    });
    const keys = Object.fromEntries(ofKind(patterns, "recurring_key").map((p) => [p.evidence["key"], p]));
    expect(Object.keys(keys).sort()).toEqual(["id", "name", "price", "qty", "sku"]);
    expect(keys["id"]).toEqual({
      kind: "recurring_key",
      description: 'key "id" recurs in 2 objects at $.user, $.owner (number 1×, string 1×)',
      evidence: { key: "id", objects: 2, paths: ["$.user", "$.owner"], types: { number: 1, string: 1 } },
      count: 2,
    });
    expect(keys["price"]!.evidence).toEqual({ key: "price", objects: 3, paths: ["$.items[*]"], types: { number: 2, null: 1 } });
    expect(ofKind(patterns, "value_shape").map((p) => [p.evidence["shape"], p.count, p.evidence["paths"]])).toEqual([
      [{ price: "number", qty: "number", sku: "string" }, 2, ["$.items[*]"]],
    ]);
    // Keys that are not identifiers are quoted in paths and shapes.
    const odd = await recognize(e, { "odd key": [{ "a b": 1 }, { "a b": 2 }] });
    expect(ofKind(odd, "value_shape")[0]!.description).toBe('2 objects share the shape {"a b": number} at $["odd key"][*]');
  });

  test("periodic timestamps: ISO dates, epoch ms, epoch seconds and time-named numbers; near-constant steps pass, irregular ones do not", async () => {
    const e = await start();
    const base = Date.UTC(2026, 0, 1);
    const patterns = await recognize(e, {
      // Out of order, with jitter of 1 s in 60 s (under 5 %): periodic, period = mean step.
      readings: [0, 2, 1, 3].map((i) => ({ takenAt: new Date(base + i * 60_000 + (i === 2 ? 1000 : 0)).toISOString(), v: i })),
      pings: [base, base + 3_600_000, base + 7_200_000], // 13 digits: epoch ms whatever the key
      created_at: [1_767_225_600, 1_767_312_000, 1_767_398_400], // epoch seconds, daily
      ticks: [0, 15, 30, 45], // a time-named key: plain numbers
      ids: [1, 2, 3, 4], // not a time: ignored
      irregular: { times: [0, 10, 30, 31] },
      two: { times: [0, 10] }, // fewer than 3 samples
    });
    const periodic = Object.fromEntries(ofKind(patterns, "periodic_timestamps").map((p) => [p.evidence["path"], p]));
    expect(Object.keys(periodic).sort()).toEqual(["$.created_at[*]", "$.pings[*]", "$.readings[*].takenAt", "$.ticks[*]"]);
    expect(periodic["$.readings[*].takenAt"]!.evidence).toMatchObject({ period: 60_000, unit: "ms", human: "1m", samples: 4, maxDeviation: 1000 });
    expect(periodic["$.readings[*].takenAt"]!.evidence["first"]).toBe(new Date(base).toISOString());
    expect(periodic["$.pings[*]"]).toMatchObject({ description: "epoch milliseconds at $.pings[*] repeat every 1h (3600000 ms), 3 samples", count: 3 });
    expect(periodic["$.created_at[*]"]!.evidence).toMatchObject({ source: "epoch seconds", period: 86_400, unit: "s", human: "1d" });
    expect(periodic["$.ticks[*]"]!.evidence).toMatchObject({ source: "numbers", period: 15, unit: "", samples: 4, first: 0, last: 45 });

    // 10 % jitter is too much by default, enough with period_tolerance 0.2.
    const jittery = { at: [0, 60, 126, 180].map((s) => new Date(base + s * 1000).toISOString()) };
    expect(ofKind(await recognize(e, jittery), "periodic_timestamps")).toEqual([]);
    await e.config.set(NAME, { period_tolerance: 0.2 });
    expect(ofKind(await recognize(e, jittery), "periodic_timestamps")).toHaveLength(1);
  });

  test("ISO dates: offsets, fractions and date-only forms; invalid dates are text", async () => {
    const e = await start();
    const periodic = async (at: string[]) => ofKind(await recognize(e, { at }), "periodic_timestamps").map((p) => p.evidence["period"]);
    expect(await periodic(["2026-02-27", "2026-02-28", "2026-03-01"])).toEqual([86_400_000]); // across a month end
    expect(await periodic(["2024-02-28", "2024-02-29", "2024-03-01"])).toEqual([86_400_000]); // a leap day
    expect(await periodic(["2026-01-01T10:00:00+02:00", "2026-01-01T08:00:00-01:00", "2026-01-01T11:00:00+0100"])).toEqual([3_600_000]); // 08:00Z, 09:00Z, 10:00Z
    expect(await periodic(["2026-01-01T10:00:00+02:00", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00+0100"])).toEqual([]); // 08:00Z, 09:00Z, 09:00Z: a zero step
    expect(await periodic(["2026-01-01T08:00:00.250Z", "2026-01-01T10:00:00.250+02:00", "2026-01-01 08:00:01.25"])).toEqual([]); // 0, 0, 1000: not periodic
    expect(await periodic(["2026-01-01T00:00:00.5Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:01.500Z"])).toEqual([500]);
    expect(await periodic(["2026-02-30", "2026-02-31", "2026-03-32"])).toEqual([]); // not dates
  });

  test("{threadId}: scans the entries the embedder appended: texts, JSON contents and entry times", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start0 = Date.UTC(2026, 0, 1, 9);
    vi.setSystemTime(start0);
    const e = await start();
    const thread = e.threads.create({ id: "standup", title: "Daily standup" });
    const contents = [
      "Blocked on the build server again",
      "Reviewed the PDK; blocked on the build server",
      JSON.stringify({ metric: "latency", value: 120 }),
      JSON.stringify({ metric: "latency", value: 118 }),
      JSON.stringify({ metric: "errors", value: 3 }),
    ];
    contents.forEach((content, i) => {
      vi.setSystemTime(start0 + i * 30 * 60_000); // every 30 minutes
      e.threads.append({ threadId: thread.id, content, author: i < 2 ? "ana" : "bot" });
    });
    const patterns = await recognize(e, { threadId: "standup" });
    expect(phrases(patterns)).toEqual([
      ["blocked on the build", 2],
      ["on the build server", 2],
    ]);
    expect(ofKind(patterns, "repeated_phrase")[0]!.evidence["locations"]).toEqual(["$.entries[0].content", "$.entries[1].content"]);
    expect(ofKind(patterns, "recurring_key").map((p) => [p.evidence["key"], p.count, p.evidence["paths"]])).toEqual([
      ["metric", 3, ["$.entries[*].content"]],
      ["value", 3, ["$.entries[*].content"]],
    ]);
    expect(ofKind(patterns, "value_shape").map((p) => p.count)).toEqual([3]);
    expect(ofKind(patterns, "periodic_timestamps")).toEqual([
      {
        kind: "periodic_timestamps",
        description: "thread entry times at $.entries[*].at repeat every 30m (1800000 ms), 5 samples",
        evidence: { path: "$.entries[*].at", source: "thread entry times", period: 1_800_000, unit: "ms", human: "30m", maxDeviation: 0, samples: 5, first: start0, last: start0 + 4 * 1_800_000 },
        count: 5,
      },
    ]);
    // fromSeq and limit select entries: the two texts only.
    expect(phrases(await recognize(e, { threadId: "standup", limit: 2 }))).toHaveLength(2);
    expect(await recognize(e, { threadId: "standup", fromSeq: 2, limit: 1 })).toEqual([]);
    // An object with other keys is data, not a thread request.
    expect(ofKind(await recognize(e, [{ threadId: "standup", n: 1 }, { threadId: "other", n: 2 }]), "recurring_key")).toHaveLength(2);
  });

  test("a thread of more than one page (1,000 entries) is read whole, up to max_entries", async () => {
    const e = await start();
    const thread = e.threads.create({ id: "long" });
    for (let i = 0; i < 1_205; i++) e.threads.append({ threadId: thread.id, content: i % 2 === 0 ? `status ok number ${i}` : "disk almost full" });
    await e.config.set(NAME, { max_entries: 5_000 });
    const all = await recognize(e, { threadId: "long" });
    expect(phrases(all)).toEqual([
      ["status ok number", 603],
      ["disk almost full", 602],
    ]);
    expect((await e.health(NAME)).metrics).toMatchObject({ thread_scans: 1, entries_scanned: 1_205 });
    await e.config.set(NAME, { max_entries: 10 });
    expect(phrases(await recognize(e, { threadId: "long" }))).toEqual([
      ["disk almost full", 5], // a tie: by description
      ["status ok number", 5],
    ]);
  });

  test("a missing thread fails the call with not found; without thread:read it fails naming the permission, and reads nothing", async () => {
    const e = await start(["config:read", "log"]);
    e.threads.create({ id: "private" });
    e.threads.append({ threadId: "private", content: "secret plan secret plan" });
    await expect(recognize(e, { threadId: "private" })).rejects.toThrow(/permission denied: pattern-recognizer was not granted thread:read/);
    await expect(recognize(e, { threadId: "private" })).rejects.not.toThrow(/secret/);
    // JSON input needs no permission.
    expect(phrases(await recognize(e, { a: "secret plan", b: "secret plan" }))).toEqual([["secret plan", 2]]);
    expect((await e.health(NAME)).metrics).toMatchObject({ failures: 2, last_error: expect.stringContaining("thread:read") });

    e.permissions.grant(NAME, ["thread:read"]);
    expect(phrases(await recognize(e, { threadId: "private" }))).toEqual([["secret plan", 2]]);
    await expect(recognize(e, { threadId: "nope" })).rejects.toThrow(/thread "nope" not found/);
  });

  test("input that is not JSON, or a thread request out of range, is refused by the host (bad_input, plugin.json exports) before the plugin runs", async () => {
    const e = await start();
    await expect(e.call(NAME, "recognize_patterns", "not json")).rejects.toMatchObject({ code: "bad_input", issues: [{ path: "$" }] });
    await expect(e.call(NAME, "recognize_patterns", "")).rejects.toMatchObject({ code: "bad_input" });
    await expect(recognize(e, { threadId: "t", fromSeq: -1 })).rejects.toMatchObject({ code: "bad_input", issues: [{ path: "$.fromSeq" }] });
    await expect(recognize(e, { threadId: "t", limit: 0 })).rejects.toMatchObject({ code: "bad_input", issues: [{ path: "$.limit" }] });
    expect((await e.health(NAME)).metrics).toMatchObject({ calls: 0 });
  });

  test("config: features switch detectors off, min_occurrences, phrase lengths and max_patterns; configSchema refuses bad values", async () => {
    const e = await start();
    const kinds = async () => [...new Set((await recognize(e, EVENTS)).map((p) => p.kind))];
    expect(await kinds()).toEqual(["repeated_phrase", "recurring_key", "value_shape", "periodic_timestamps"]);
    await e.config.set(NAME, { features: { phrases: false, timestamps: false } });
    expect(await kinds()).toEqual(["recurring_key", "value_shape"]);
    await e.config.set(NAME, { features: { phrases: true, keys: false, shapes: false } });
    expect(await kinds()).toEqual(["repeated_phrase"]);
    await e.config.reset(NAME);

    await e.config.set(NAME, { min_occurrences: 4 });
    expect((await recognize(e, EVENTS)).every((p) => p.count >= 4)).toBe(true);
    await e.config.set(NAME, { min_occurrences: 2, max_phrase_words: 2 });
    // "in from" and "from the" are stop words only.
    expect(phrases(await recognize(e, EVENTS))).toEqual([
      ["user logged", 4],
      ["logged in", 3],
      ["the web", 2],
      ["web app", 2],
    ]);
    // Over max_patterns, the kinds take turns: the most frequent phrase, key, shape, timestamps, ...
    await e.config.set(NAME, { max_patterns: 2 });
    expect((await recognize(e, EVENTS)).map((p) => p.description)).toEqual(['"user logged" occurs 4 times', 'key "at" recurs in 4 objects at $.events[*] (always string)']);
    await e.config.set(NAME, { max_patterns: 5, max_phrase_words: 4 });
    expect((await recognize(e, EVENTS)).map((p) => [p.kind, p.count])).toEqual([
      ["repeated_phrase", 4],
      ["repeated_phrase", 3],
      ["recurring_key", 4],
      ["value_shape", 3],
      ["periodic_timestamps", 4],
    ]);

    await expect(e.config.set(NAME, { min_occurrences: 1 })).rejects.toMatchObject({ code: "config_invalid" });
    await expect(e.config.set(NAME, { features: { phrase: true } })).rejects.toMatchObject({ code: "config_invalid" });
    await expect(e.config.set(NAME, { period_tolerance: 2 })).rejects.toMatchObject({ code: "config_invalid" });
  });

  test("an input at the engine's default cap (1 MiB) fits in the memory plugin.json asks for (limits.memoryPages)", async () => {
    const e = await start();
    const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"];
    let n = 0;
    const note = () => Array.from({ length: 8 }, () => words[(n = (n * 7 + 3) % 1009) % words.length]).join(" ") + ".";
    const items = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const item = { id: i, at: 1_767_225_600_000 + i * 60_000, note: note(), tags: ["x", "y"] };
      size += JSON.stringify(item).length + 1;
      items.push(item);
    }
    expect(JSON.stringify({ items }).length).toBeLessThanOrEqual(1024 * 1024);
    const patterns = await recognize(e, { items });
    expect(patterns).toHaveLength(manifest.config.max_patterns);
    expect(new Set(patterns.map((p) => p.kind))).toEqual(new Set(["repeated_phrase", "recurring_key", "value_shape", "periodic_timestamps"]));
    expect(patterns.map((p) => p.description)).toContain(`epoch milliseconds at $.items[*].at repeat every 1m (60000 ms), ${items.length} samples`);
  });

  test("health_check counts calls and patterns", async () => {
    const e = await start();
    const found = (await recognize(e, EVENTS)).length;
    await recognize(e, {});
    expect(await e.health(NAME)).toMatchObject({ status: "healthy", metrics: { calls: 2, patterns_found: found, failures: 0, thread_scans: 0 } });
  });
});

function order(kind: Pattern["kind"]): number {
  return ["repeated_phrase", "recurring_key", "value_shape", "periodic_timestamps"].indexOf(kind);
}
