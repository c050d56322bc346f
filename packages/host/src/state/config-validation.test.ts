import { describe, expect, test } from "vitest";
import { compileConfigSchema, guideIssues } from "./config-validation.ts";

describe("guideIssues", () => {
  test("accepts the guide's keys with the right types", () => {
    expect(guideIssues({ enabled: false, interval: 0.5, log_level: "warning", features: { a: true }, other: "free" })).toEqual([]);
  });

  test("names each wrong guide key", () => {
    const issues = guideIssues({ enabled: "yes", interval: 0, log_level: "LOUD", features: { a: "on", "b c": 1 } });
    expect(issues.map((issue) => issue.path)).toEqual(["$.enabled", "$.interval", "$.log_level", "$.features.a", '$.features["b c"]']);
    expect(guideIssues({ features: [true] })[0]?.path).toBe("$.features");
  });
});

describe("compileConfigSchema", () => {
  const check = compileConfigSchema({
    type: "object",
    required: ["name"],
    properties: {
      name: { type: "string" },
      limit: { type: "integer", maximum: 10 },
      tags: { type: "array", items: { type: "string" } },
      nested: { type: "object", properties: { "a/b": { type: "boolean" } }, additionalProperties: false },
    },
  });

  test("valid config has no issues", () => {
    expect(check({ name: "x", limit: 3, tags: ["a"], nested: { "a/b": true } })).toEqual([]);
  });

  test("reports leaf problems with JSON paths, not the summaries above them", () => {
    const issues = check({ limit: 11, tags: ["a", 2], nested: { "a/b": "no", extra: 1 } });
    expect(issues).toEqual([
      { path: "$", message: 'Instance does not have required property "name"' },
      { path: "$.limit", message: "11 is greater than 10" },
      { path: "$.tags[1]", message: 'Instance type "number" is invalid. Expected "string"' },
      { path: '$.nested["a/b"]', message: 'Instance type "string" is invalid. Expected "boolean"' },
      { path: "$.nested.extra", message: "is not allowed by the config schema" },
    ]);
  });

  test("a __proto__ key is checked as data", () => {
    const strict = compileConfigSchema({ type: "object", additionalProperties: false });
    const issues = strict(JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>);
    expect(issues).toEqual([{ path: "$.__proto__", message: "is not allowed by the config schema" }]);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });
});
