// Hostile export schemas (plugin.json `exports`) and hostile inputs against honest ones: schemas
// that would hang a backtracking engine or blow up through $refs are refused at install; inputs
// nested 500,000 deep, 60,000 keys wide or carrying __proto__ are answered (bad_input, or they
// pass), never a crash, and the plugin is never entered for a refused one.
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import { nodeEnv } from "../node/node-env.ts";

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function fanOut(levels: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = { d0: { type: "string" } };
  for (let i = 1; i <= levels; i++) $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  return { $defs, $ref: `#/$defs/d${levels}` };
}

describe("hostile export schemas", () => {
  test.each([
    ["a catastrophic pattern", { type: "string", pattern: "^(a|aa)+$" }, "$.exports.echo.input.pattern"],
    ["an unanchored unbounded pattern", { type: "string", pattern: "a+b" }, "$.exports.echo.input.pattern"],
    ["$refs fanning out to 2^30 subschemas", fanOut(30), "$.exports.echo.input"],
    ["a $ref cycle", { $defs: { a: { items: { $ref: "#/$defs/a" } } }, $ref: "#/$defs/a" }, "$.exports.echo.input.$ref"],
    ["a remote $ref", { $ref: "https://example.com/schema.json" }, "$.exports.echo.input.$ref"],
  ])("%s is refused at install with manifest_invalid at its path", async (_what, input, path) => {
    engine = await createEngine();
    const error = await expectCode(engine.install(await fixture(nodeEnv, "ok", { exports: { echo: { input } } })), "manifest_invalid");
    expect(error.issues.map((issue) => issue.path).some((p) => p.startsWith(path))).toBe(true);
  });
});

describe("hostile inputs", () => {
  const ITEM = { type: "object", properties: { a: { type: "array" } }, additionalProperties: false };

  test("deep, wide and __proto__ inputs get answers, and a refused one never enters the plugin", async () => {
    engine = await createEngine();
    await engine.install(await fixture(nodeEnv, "ok", { exports: { counter: { input: ITEM }, echo: { input: { type: "array", items: { type: "array" } } } } }));
    // Validation goes only as deep as the schema (bounded, acyclic): a deep input is parsed and checked, not recursed into.
    const deep = `${"[".repeat(500_000)}${"]".repeat(500_000)}`;
    expect((await engine.call("ok", "echo", deep)).bytes.byteLength).toBe(1_000_000);
    const deepObject = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const wrong = await expectCode(engine.call("ok", "counter", deepObject), "bad_input");
    expect(wrong.issues.map((issue) => issue.path)).toEqual(["$.a"]);
    const wide = `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`;
    const extra = await expectCode(engine.call("ok", "counter", wide), "bad_input");
    expect(extra.issues.length).toBeLessThanOrEqual(20);
    const proto = await expectCode(engine.call("ok", "counter", '{"__proto__":{"polluted":true}}'), "bad_input");
    expect(proto.issues.map((issue) => issue.path)).toContain("$.__proto__");
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    // None of them ran: the counter starts at 1.
    expect((await engine.call("ok", "counter", '{"a":[]}')).text()).toBe("1");
  }, 60_000);
});
