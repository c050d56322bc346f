import { describe, expect, test } from "vitest";
import { configSchemaIssues, patternProblem } from "./config-schema-bounds.ts";

describe("patternProblem", () => {
  test.each(["^[a-z]+$", "^[A-Z]{2}-\\d{1,4}$", "abc", "^\\p{L}+$", "^(?:ab|cd)$", "^[a-z0-9._-]+$", "x?y?", "^a*?b$"])("accepts %s", (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });
  test.each([
    ["^(a+)+$", "nested"],
    ["^(a*)*$", "nested"],
    ["^(a|aa)*$", "nested"],
    ["^(?:a+b)+$", "nested"],
    ["^a*a*x", "without bound 2 times"],
    ["[a-z]+@[a-z]+", "without bound 2 times"],
    ["a+x", "not anchored"],
    ["^(a)\\1$", "backreference"],
    ["^(?<n>a)\\k<n>$", "backreference"],
    ["^(?=a)", "lookaround"],
    ["^a{1,100}b{1,100}$", "product"],
    ["(", "not a valid regular expression"],
  ])("refuses %s (%s)", (pattern, why) => {
    expect(patternProblem(pattern)).toContain(why);
  });
});

describe("configSchemaIssues", () => {
  test("follows local $refs, memoised: a wide but shallow use of one definition is fine", () => {
    const defs = { w: { type: "string", pattern: "^[a-z]+$" } };
    const properties = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, { $ref: "#/$defs/w" }]));
    expect(configSchemaIssues({ $defs: defs, properties })).toEqual([]);
  });
  test("a $ref to a missing subschema is an issue at the $ref", () => {
    expect(configSchemaIssues({ properties: { a: { $ref: "#/$defs/missing" } } })).toEqual([
      { segments: ["configSchema", "properties", "a", "$ref"], message: "points at #/$defs/missing, which is not a subschema of this configSchema." },
    ]);
  });
});
