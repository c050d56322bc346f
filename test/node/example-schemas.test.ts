// Every example declares export schemas (plugin.json `exports`): the outputs its exports really
// write match them (checked in debug mode), and an input that breaks them is refused with
// bad_input and its path before the plugin runs. Run `npm run build:examples` first.
import { createEngine, type Engine } from "@threadspace/core";
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** For each example: calls that must pass (their outputs checked) and inputs that break the schema, with the path. */
const CASES: Record<string, { good: [string, unknown][]; bad: [string, unknown, string][] }> = {
  hello: { good: [["greet", "Wörld"], ["greet", ""]], bad: [["greet", "x".repeat(1025), "$"]] },
  "count-vowels": { good: [["count_vowels", "Hello, World!"]], bad: [["count_vowels", new Uint8Array([0xff]), "$"]] },
  "memory-analyzer": { good: [["analyze_memory", "m1"], ["analyze_memory", "missing"], ["analyze_memory", '{"id":"m1"}']], bad: [["analyze_memory", "", "$"]] },
  "pattern-recognizer": { good: [["recognize_patterns", { a: "one two three", b: "one two three" }], ["recognize_patterns", { threadId: "t1", limit: 5 }]], bad: [["recognize_patterns", { threadId: "t1", fromSeq: 1.5 }, "$.fromSeq"]] },
  "activity-journal": { good: [["read_journal", ""], ["read_journal", "0"]], bad: [["read_journal", "-1", "$"]] },
  "c-hello": { good: [["greet", "C"], ["reverse", "abc"], ["uppercase", new Uint8Array([97, 0xff])]], bad: [["greet", new Uint8Array([0xc3]), "$"]] },
  "plain-extism": { good: [["echo", new Uint8Array([1, 2])], ["count_vowels", "aeiou"]], bad: [["count_vowels", new Uint8Array([0xff, 0xff]), "$"]] },
  "hash-sort": { good: [["hash_sort", "1000 7"]], bad: [["hash_sort", "9".repeat(65), "$"]] },
};

const withManifest = readdirSync(examples).filter((name) => existsSync(`${examples}${name}/plugin.json`));

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe("example export schemas", () => {
  test("every example with a plugin.json declares exports, and is covered here", () => {
    for (const name of withManifest) {
      const manifest = JSON.parse(readFileSync(`${examples}${name}/plugin.json`, "utf8")) as { exports?: object };
      expect(manifest.exports, name).toBeDefined();
      expect(Object.keys(CASES), name).toContain(name);
    }
  });

  test.each(withManifest)("%s: outputs match their schemas; bad inputs are refused with their path", async (name) => {
    engine = await createEngine({ grant: true, checkOutputs: true, logger: quiet });
    engine.memories.put({ id: "m1", content: "Threadspace runs plugins. Plugins run in wasm.", tags: ["demo"] });
    engine.threads.create({ id: "t1" });
    engine.threads.append({ threadId: "t1", author: "ada", content: "hello there friend" });
    engine.threads.append({ threadId: "t1", author: "ada", content: "hello there friend" });
    await engine.install(`${examples}${name}`);
    const cases = CASES[name];
    if (cases === undefined) throw new Error(`no cases for ${name}`);
    for (const [fn, input] of cases.good) await engine.call(name, fn, input as string);
    const before = (await engine.health(name)).engine.calls;
    for (const [fn, input, path] of cases.bad) {
      await expect(engine.call(name, fn, input as string)).rejects.toMatchObject({ code: "bad_input", issues: expect.arrayContaining([expect.objectContaining({ path })]) });
    }
    expect((await engine.health(name)).engine.calls).toBe(before);
  });
});
