import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

/** `$defs` where each level refers to the one below twice: 2^levels subschemas once expanded. */
function fanOut(levels: number): Record<string, unknown> {
  const defs: Record<string, unknown> = { d0: { type: "string" } };
  for (let i = 1; i <= levels; i++) defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  return { type: "object", $defs: defs, properties: { name: { $ref: `#/$defs/d${levels}` } } };
}

/**
 * Issue 10, item 12: a configSchema with a catastrophic regular expression, or $refs fanning out
 * to 2^30, blocked the engine's thread at install for over 20 s. Now install refuses such a
 * schema at once with manifest_invalid naming the path (the test's own timeout is the bound).
 */
export function configSchemaCases(env: TestEnv): void {
  describe("adversarial: hostile configSchema", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });
    const install = async (configSchema: Record<string, unknown>, config: Record<string, unknown> = {}) => {
      engine ??= await createEngine({ grant: true });
      return engine.install(await fixture(env, "ok", { configSchema, config }));
    };
    const evil = "a".repeat(40) + "!";

    const refused: [string, Record<string, unknown>, string][] = [
      ["a nested quantifier", { type: "object", properties: { name: { type: "string", pattern: "^(a+)+$" } } }, "$.configSchema.properties.name.pattern"],
      ["a quantified alternation", { type: "object", properties: { name: { type: "string", pattern: "^(a|aa)*$" } } }, "$.configSchema.properties.name.pattern"],
      ["two unbounded repetitions", { type: "object", properties: { name: { type: "string", pattern: "^a*a*x" } } }, "$.configSchema.properties.name.pattern"],
      ["a backreference", { type: "object", properties: { name: { type: "string", pattern: "^(a)\\1$" } } }, "$.configSchema.properties.name.pattern"],
      ["a pattern key of patternProperties", { type: "object", patternProperties: { "^(x+)+$": { type: "string" } } }, "$.configSchema.patternProperties"],
      ["a long pattern", { type: "object", properties: { name: { type: "string", pattern: "a".repeat(300) } } }, "$.configSchema.properties.name.pattern"],
      ["$refs fanning out to 2^30", fanOut(30), "$.configSchema"],
      ["a $ref cycle", { type: "object", $defs: { a: { anyOf: [{ $ref: "#/$defs/a" }] } }, properties: { x: { $ref: "#/$defs/a" } } }, "$.configSchema"],
      ["a remote $ref", { type: "object", properties: { x: { $ref: "https://example.com/schema.json" } } }, "$.configSchema.properties.x.$ref"],
    ];
    for (const [what, schema, path] of refused) {
      test(`install refuses ${what} with manifest_invalid at ${path}`, async () => {
        const error = await expectCode(install(schema, { name: evil }), "manifest_invalid");
        expect(JSON.stringify(error.issues)).toContain(path);
      });
    }

    test("ordinary schemas still work: an anchored pattern, bounded repetitions, local $refs", async () => {
      const schema = {
        type: "object",
        $defs: { word: { type: "string", pattern: "^[a-z]+$", maxLength: 64 } },
        properties: { name: { $ref: "#/$defs/word" }, code: { type: "string", pattern: "^[A-Z]{2}-\\d{1,4}$" }, tags: { type: "array", items: { $ref: "#/$defs/word" } } },
      };
      await install(schema, { name: "hello", code: "AB-12", tags: ["a", "b"] });
      await expectCode((engine as Engine).config.set("ok", { name: "Not Lowercase" }), "config_invalid");
    });
  });
}
