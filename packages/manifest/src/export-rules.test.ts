import { describe, expect, test } from "vitest";
import { safeParseManifest } from "./parse.ts";

const base = { name: "p", version: "1.0.0" };
const issuesOf = (exports: unknown) => {
  const result = safeParseManifest({ ...base, exports });
  return result.success ? [] : result.issues;
};

describe("plugin.json exports", () => {
  test("an old manifest without exports has none", () => {
    const result = safeParseManifest(base);
    expect(result.success && "exports" in result.output).toBe(false);
  });

  test("keeps the schemas as written (a copy)", () => {
    const exports = {
      greet: { description: "Greets", input: { encoding: "text", type: "string", maxLength: 64 }, output: { encoding: "text" } },
      analyze: { input: { type: "object", required: ["id"], properties: { id: { type: "string", pattern: "^[a-z0-9]{1,32}$" } }, $defs: { x: { type: "integer" } } } },
    };
    const result = safeParseManifest({ ...base, exports });
    expect(result.success).toBe(true);
    expect(result.output?.exports).toEqual(exports);
    expect(result.output?.exports).not.toBe(exports);
  });

  test.each([
    [[], "$.exports", "must be an object"],
    [{ "bad-name": {} }, '$.exports["bad-name"]', "is not an export name"],
    [{ greet: "text" }, "$.exports.greet", "must be an object"],
    [{ greet: { input: [] } }, "$.exports.greet.input", "must be an object"],
    [{ greet: { input: { encoding: "xml" } } }, "$.exports.greet.input.encoding", `must be "json"`],
    [{ greet: { inptu: {} } }, "$.exports.greet.inptu", `Did you mean "input"?`],
    [{ greet: { input: { encoding: "text", type: "object" } } }, "$.exports.greet.input.type", `must be "string"`],
    [{ greet: { output: { encoding: "bytes", type: "string" } } }, "$.exports.greet.output.type", "never checked"],
    [{ greet: { input: { type: "string", pattern: "^(a+)+$" } } }, "$.exports.greet.input.pattern", "nested quantifiers"],
    [{ greet: { input: { $ref: "https://example.com/s.json" } } }, "$.exports.greet.input.$ref", "local $refs"],
    [{ greet: { input: { $defs: { a: { $ref: "#/$defs/a" } }, $ref: "#/$defs/a" } } }, "$.exports.greet.input.$ref.$ref", "cycle"],
    ['{"greet": {"input": {"properties": {"__proto__": {}}}}}', "$.exports.greet.input.properties.__proto__", "__proto__"],
  ])("refuses %j at %s", (exports, path, text) => {
    const issues = issuesOf(typeof exports === "string" ? JSON.parse(exports) : exports);
    expect(issues.some((issue) => issue.path === path && issue.message.includes(text)), JSON.stringify(issues)).toBe(true);
  });

  test("refuses a schema that expands to more than 10,000 subschemas through $refs", () => {
    const $defs: Record<string, unknown> = { d0: { type: "string" } };
    for (let i = 1; i <= 20; i++) $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
    const issues = issuesOf({ f: { input: { $defs, $ref: "#/$defs/d20" } } });
    expect(issues.some((issue) => issue.message.includes("more than 10000 subschemas"))).toBe(true);
  });
});
