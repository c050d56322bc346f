import { describe, expect, test } from "vitest";
import { childPath, cloneJson, deepFreeze, jsonIssues, mergePatch, overlay } from "./json-value.ts";

const hostile = (): Record<string, unknown> => JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;

describe("json-value", () => {
  test("childPath writes identifiers with dots, other keys quoted, indexes in brackets", () => {
    expect(childPath("$", "a")).toBe("$.a");
    expect(childPath("$.a", "b c")).toBe('$.a["b c"]');
    expect(childPath("$.a", 2)).toBe("$.a[2]");
  });

  test("jsonIssues names every non-JSON value with its path", () => {
    expect(jsonIssues({ a: [1, "x", null, true, { b: {} }] })).toEqual([]);
    const issues = jsonIssues({ f: () => 1, n: Number.NaN, d: new Date(0), u: undefined, list: [1, Infinity] });
    expect(issues.map((issue) => issue.path)).toEqual(["$.f", "$.n", "$.d", "$.u", "$.list[1]"]);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { deep };
    expect(jsonIssues(deep)[0]?.message).toMatch(/deeper than 32/);
  });

  test("cloneJson keeps __proto__ as an own data property", () => {
    const copy = cloneJson(hostile());
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test("mergePatch follows RFC 7396: objects merge, null removes, the rest replaces", () => {
    const target = { a: 1, b: { c: 2, d: 3 }, e: [1, 2] };
    expect(mergePatch(target, { a: null, b: { c: null, x: 1 }, e: [3] })).toEqual({ b: { d: 3, x: 1 }, e: [3] });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] });
    expect(mergePatch({ a: 1 }, [1])).toEqual([1]);
    expect(mergePatch("x", { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
  });

  test("overlay merges objects recursively and lets other values win", () => {
    expect(overlay({ a: 1, f: { x: true, y: false } }, { f: { y: true }, b: [1] })).toEqual({ a: 1, f: { x: true, y: true }, b: [1] });
    expect(overlay({ f: { x: true } }, { f: "off" })).toEqual({ f: "off" });
  });

  test("merging never writes through __proto__", () => {
    const merged = overlay({ a: 0 }, hostile()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, "__proto__")).toBe(true);
    const patched = mergePatch({}, hostile()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test("deepFreeze freezes nested values", () => {
    const value = deepFreeze({ a: { b: [1] } });
    expect(Object.isFrozen(value.a.b)).toBe(true);
  });
});
