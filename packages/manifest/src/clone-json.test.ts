import { describe, expect, test } from "vitest";
import { cloneJson } from "./clone-json.ts";

describe("cloneJson", () => {
  test("copies deeply", () => {
    const value = { a: [1, { b: "c" }], d: null, e: true };
    const copy = cloneJson(value) as typeof value;
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[1]).not.toBe(value.a[1]);
  });

  test("keeps a __proto__ key as an own data property, never a prototype", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') as unknown;
    const copy = cloneJson(hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ polluted: true });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    const spread = { ...copy };
    expect(Object.getPrototypeOf(spread)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(spread, "__proto__")?.value).toEqual({ polluted: true });
  });
});
