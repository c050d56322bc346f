import { describe, expect, test } from "vitest";
import { readOverride, withLimits } from "./install-limits.ts";

describe("install limits override", () => {
  test("reads the isolation and timeoutMs fields; empty keeps plugin.json's", () => {
    expect(readOverride("", "")).toEqual({});
    expect(readOverride("worker", " 300 ")).toEqual({ isolation: "worker", timeoutMs: 300 });
    expect(readOverride("pool", "")).toEqual({ isolation: "pool" });
    expect(readOverride("inline", "")).toEqual({ isolation: "inline" });
  });

  test("a timeoutMs that is not a whole number of at least 1 is bad_input", () => {
    for (const text of ["0", "-5", "1.5", "soon"]) expect(() => readOverride("worker", text)).toThrow(/timeoutMs must be a whole number/);
  });

  test("lays the override over plugin.json's limits, keeping the others", () => {
    const manifest = JSON.stringify({ name: "a", limits: { timeoutMs: 100, memoryPages: 4 } });
    expect(JSON.parse(withLimits(manifest, { isolation: "worker", timeoutMs: 300 }))).toEqual({ name: "a", limits: { timeoutMs: 300, memoryPages: 4, isolation: "worker" } });
    expect(JSON.parse(withLimits('{"name": "b"}', { isolation: "inline" }))).toEqual({ name: "b", limits: { isolation: "inline" } });
  });

  test("leaves plugin.json as it is without an override or when it is not a JSON object", () => {
    expect(withLimits('{ "name": "a" }', {})).toBe('{ "name": "a" }');
    expect(withLimits("{not json", { isolation: "worker" })).toBe("{not json");
    expect(withLimits("[1]", { isolation: "worker" })).toBe("[1]");
  });
});
