// memory-analyzer in a real engine: the built plugin.wasm (run `npm run build:examples` first)
// reads memories the embedder put through engine.memories.
import { createEngine, type Engine, type EngineLogger, type GrantPolicy } from "@threadspace/core";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("../plugin.json", import.meta.url), "utf8"));
const NAME = "memory-analyzer";
const quiet: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Analysis {
  memoryId: string;
  threadId: string | null;
  tags: string[];
  length: number;
  bytes: number;
  wordCount: number;
  sentenceCount: number;
  uniqueTerms: number;
  topTerms: { term: string; count: number }[];
  createdAt: number;
  updatedAt: number;
}
type Reply = { status: "success"; analysis: Analysis } | { status: "error"; code: string; message: string };

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
async function analyze(e: Engine, input: string | object): Promise<Reply> {
  return (await e.call(NAME, "analyze_memory", input)).json() as Reply;
}
async function analysisOf(e: Engine, id: string): Promise<Analysis> {
  const reply = await analyze(e, id);
  if (reply.status !== "success") throw new Error(`expected success, got ${JSON.stringify(reply)}`);
  return reply.analysis;
}

describe("memory-analyzer", () => {
  test("installs: get_metadata matches plugin.json; it asks for memory:read, config:read and log", async () => {
    const e = await start();
    const info = e.get(NAME)!;
    expect(info).toMatchObject({ name: manifest.name, version: manifest.version, state: "ready", capabilities: manifest.capabilities });
    expect([...info.granted].sort()).toEqual(["config:read", "log", "memory:read"]);
    expect(info.exports.map((e) => e.name)).toEqual(expect.arrayContaining(["analyze_memory", "init_plugin", "get_metadata", "health_check", "cleanup"]));
  });

  test("analyses a memory the embedder put: counts, top terms (stop words skipped, ties alphabetical), tags, length, threadId", async () => {
    const e = await start();
    const memory = e.memories.put({
      id: "m1",
      content: "Plugins run in a sandbox. The sandbox limits memory! Plugins read memories through the host? Yes: plugins, hosts and sandboxes.",
      tags: ["notes", "wasm"],
      threadId: "t-1",
    });
    const reply = await analyze(e, "m1");
    expect(reply).toEqual({
      status: "success",
      analysis: {
        memoryId: "m1",
        threadId: "t-1",
        tags: ["notes", "wasm"],
        length: memory.content.length,
        bytes: memory.content.length,
        wordCount: 20,
        sentenceCount: 4,
        uniqueTerms: 11,
        // plugins 3, sandbox 2, then the count-1 terms alphabetically: host, hosts, limits, ...
        topTerms: [
          { term: "plugins", count: 3 },
          { term: "sandbox", count: 2 },
          { term: "host", count: 1 },
          { term: "hosts", count: 1 },
          { term: "limits", count: 1 },
        ],
        createdAt: memory.createdAt,
        updatedAt: memory.updatedAt,
      },
    });
  });

  test("a memory without a thread or tags; the id as JSON text or {id}; surrounding whitespace", async () => {
    const e = await start();
    const { id } = e.memories.put({ content: "Just one line without a full stop" });
    for (const input of [id, ` ${id}\n`, JSON.stringify(id), { id }]) {
      const a = await analysisOf(e, input as string);
      expect(a).toMatchObject({ memoryId: id, threadId: null, tags: [], wordCount: 7, sentenceCount: 1 });
      expect(a.topTerms).toEqual([
        { term: "full", count: 1 },
        { term: "line", count: 1 },
        { term: "one", count: 1 },
        { term: "stop", count: 1 },
        { term: "without", count: 1 },
      ]);
    }
  });

  test("Unicode: case folding beyond ASCII, characters counted as code points, emoji and punctuation are not words", async () => {
    const e = await start();
    const content = "Café CAFÉ café — naïve Ünïcödé 🌍🌍! Don’t don't. Σοφία σοφία; 日本語。テスト";
    e.memories.put({ id: "u", content });
    const a = await analysisOf(e, "u");
    expect(a.length).toBe([...content].length);
    expect(a.bytes).toBe(Buffer.byteLength(content, "utf8"));
    expect(a.wordCount).toBe(11); // Café CAFÉ café naïve Ünïcödé Don’t don't Σοφία σοφία 日本語 テスト
    expect(a.sentenceCount).toBe(4); // "...🌍🌍!", "Don’t don't.", "... 日本語。", "テスト"
    expect(a.topTerms).toEqual([
      { term: "café", count: 3 },
      { term: "σοφία", count: 2 },
      // count 1, in code unit order: naïve, ünïcödé, テスト, 日本語 ("don't" and "Don’t" are a stop word)
      { term: "naïve", count: 1 },
      { term: "ünïcödé", count: 1 },
      { term: "テスト", count: 1 },
    ]);
  });

  test("numbers are words but not terms; 3.14 and 1,000 stay whole; no sentence end inside them", async () => {
    const e = await start();
    e.memories.put({ id: "n", content: "Pi is 3.14 and a grand is 1,000 dollars. Version 2 ships" });
    const a = await analysisOf(e, "n");
    expect(a.wordCount).toBe(12);
    expect(a.sentenceCount).toBe(2);
    expect(a.topTerms.map((t) => t.term)).toEqual(["dollars", "grand", "pi", "ships", "version"]);
  });

  test("an empty memory: zero words and sentences, no terms", async () => {
    const e = await start();
    e.memories.put({ id: "empty", content: "" });
    expect(await analysisOf(e, "empty")).toMatchObject({ length: 0, bytes: 0, wordCount: 0, sentenceCount: 0, uniqueTerms: 0, topTerms: [] });
  });

  test("a missing memory is status error, code not_found; an empty input is bad_request", async () => {
    const e = await start();
    expect(await analyze(e, "nope")).toEqual({ status: "error", code: "not_found", message: 'memory "nope" not found' });
    expect(await analyze(e, "   ")).toMatchObject({ status: "error", code: "bad_request", message: expect.stringContaining("memory id") });
    expect(await analyze(e, "{not json")).toMatchObject({ status: "error", code: "bad_request" });
  });

  test("without memory:read: status error permission_denied naming the permission; health degraded; a later grant works", async () => {
    const e = await start(["config:read", "log"]);
    e.memories.put({ id: "secret", content: "top secret plans" });
    const reply = await analyze(e, "secret");
    expect(reply).toMatchObject({ status: "error", code: "permission_denied" });
    expect(reply.status === "error" && reply.message).toMatch(/not granted memory:read/);
    expect(JSON.stringify(reply)).not.toContain("top secret"); // nothing leaks
    const health = await e.health(NAME);
    expect(health).toMatchObject({ status: "degraded", metrics: { permission_denied: 1, memories_analysed: 0 } });
    expect(health.message).toMatch(/memory:read/);

    e.permissions.grant(NAME, ["memory:read"]);
    expect((await analysisOf(e, "secret")).topTerms.map((t) => t.term)).toEqual(["plans", "secret", "top"]);
    expect((await e.health(NAME)).status).toBe("healthy");
  });

  test("with no permissions at all (createEngine default): permission_denied, and the install still succeeds", async () => {
    const e = await start(false);
    expect(e.get(NAME)!.granted).toEqual([]);
    expect(await analyze(e, "anything")).toMatchObject({ status: "error", code: "permission_denied" });
  });

  test("config: top_terms, min_term_length and stop_words are read live; configSchema refuses bad values", async () => {
    const e = await start();
    e.memories.put({ id: "c", content: "the cat and the hat and the bat sat on the mat with a cat" });
    expect((await analysisOf(e, "c")).topTerms).toEqual([
      { term: "cat", count: 2 },
      { term: "bat", count: 1 },
      { term: "hat", count: 1 },
      { term: "mat", count: 1 },
      { term: "sat", count: 1 },
    ]);
    await e.config.set(NAME, { top_terms: 2, stop_words: ["cat"] });
    expect((await analysisOf(e, "c")).topTerms).toEqual([
      { term: "the", count: 4 },
      { term: "and", count: 2 },
    ]);
    await e.config.set(NAME, { min_term_length: 4, stop_words: [] });
    expect((await analysisOf(e, "c")).topTerms).toEqual([{ term: "with", count: 1 }]);
    await e.config.set(NAME, { top_terms: 0 });
    expect((await analysisOf(e, "c")).topTerms).toEqual([]);

    await expect(e.config.set(NAME, { top_terms: -1 })).rejects.toMatchObject({ code: "config_invalid" });
    await expect(e.config.set(NAME, { stop_words: "the" })).rejects.toMatchObject({ code: "config_invalid" });
    await e.config.reset(NAME);
    expect((await analysisOf(e, "c")).topTerms).toHaveLength(5);
  });

  test("without config:read it uses the built-in defaults, which equal plugin.json's", async () => {
    const e = await start(["memory:read"]);
    await e.config.set(NAME, { top_terms: 1 }); // not readable by the plugin
    e.memories.put({ id: "d", content: "the cat and the hat and the bat sat on the mat with a cat" });
    const top = (await analysisOf(e, "d")).topTerms;
    expect(top).toHaveLength(manifest.config.top_terms);
    expect(top[0]).toEqual({ term: "cat", count: 2 });
    // Every default stop word is skipped, and each counts as one word.
    const stop: string[] = manifest.config.stop_words;
    e.memories.put({ id: "s", content: stop.join(" ") });
    expect(await analysisOf(e, "s")).toMatchObject({ wordCount: stop.length, uniqueTerms: 0, topTerms: [] });
  });

  test("a memory at the host's size cap (256 KiB) of distinct words fits in the default memory limit", async () => {
    const e = await start();
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const word = (i: number) => Array.from({ length: 4 }, (_, k) => letters[Math.floor(i / 26 ** k) % 26]).join("");
    const content = Array.from({ length: 52_000 }, (_, i) => word(i)).join(" ").slice(0, 256 * 1024);
    e.memories.put({ id: "big", content });
    const a = await analysisOf(e, "big");
    const words = content.split(" ");
    expect(a.wordCount).toBe(words.length);
    expect(a.uniqueTerms).toBe(new Set(words.filter((w) => w.length >= 2 && !manifest.config.stop_words.includes(w))).size);
  });

  test("health_check counts what was analysed; cleanup on close", async () => {
    const e = await start();
    e.memories.put({ id: "h", content: "hello" });
    await analyze(e, "h");
    await analyze(e, "h");
    await analyze(e, "missing");
    expect(await e.health(NAME)).toMatchObject({
      status: "healthy",
      metrics: { memories_analysed: 2, not_found: 1, permission_denied: 0, last_error: 'not_found: memory "missing" not found' },
    });
  });

  test("matches a reference implementation on generated ASCII text", async () => {
    const e = await start();
    const stop = new Set<string>(manifest.config.stop_words);
    const word = fc.constantFrom("alpha", "beta", "gamma", "delta", "the", "and", "Alpha", "BETA", "x", "zeta", "of", "eta");
    const sentence = fc.tuple(fc.array(word, { minLength: 1, maxLength: 12 }), fc.constantFrom(".", "!", "?", ""));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(sentence, { minLength: 0, maxLength: 8 }), async (sentences) => {
        const content = sentences.map(([words, end]) => words.join(" ") + end).join(" ");
        const id = `gen-${n++}`;
        e.memories.put({ id, content });
        const a = await analysisOf(e, id);
        const words = content.split(/[^A-Za-z]+/).filter((w) => w.length > 0);
        const counts = new Map<string, number>();
        for (const w of words.map((w) => w.toLowerCase())) if (!stop.has(w) && w.length >= 2) counts.set(w, (counts.get(w) ?? 0) + 1);
        const expected = [...counts]
          .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
          .slice(0, 5)
          .map(([term, count]) => ({ term, count }));
        expect(a.wordCount).toBe(words.length);
        expect(a.topTerms).toEqual(expected);
        expect(a.uniqueTerms).toBe(counts.size);
        // A sentence without a terminator runs on into the next one; trailing words are one more.
        const terminated = sentences.filter(([, end]) => end !== "").length;
        expect(a.sentenceCount).toBe(terminated + (sentences.length > 0 && sentences.at(-1)![1] === "" ? 1 : 0));
      }),
      { numRuns: 60 },
    );
  });
});
