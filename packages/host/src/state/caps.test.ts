import { describe, expect, test } from "vitest";
import { HostFailure } from "../host-types.ts";
import { checkLimit, checkTextSize, copyJson, utf8Length } from "./caps.ts";

describe("caps", () => {
  test("utf8Length agrees with TextEncoder, surrogate pairs and lone surrogates included", () => {
    const encoder = new TextEncoder();
    for (const text of ["", "abc", "Wörld", "€", "🌍", "a🌍b", "\ud800", "\udc00x", "x\ud800\ud800", "中文字符"]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).byteLength);
    }
  });

  test("checkTextSize counts UTF-8 bytes", () => {
    expect(() => checkTextSize("it", "é".repeat(5), 10)).not.toThrow();
    expect(() => checkTextSize("it", "é".repeat(6), 10)).toThrow(HostFailure);
    expect(() => checkTextSize("it", "x".repeat(10), 10)).not.toThrow();
  });

  test("copyJson copies, freezes, keeps __proto__ as data and refuses non-JSON or oversize values", () => {
    const original = JSON.parse('{"a":{"b":[1]},"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copy = copyJson("x", original, 100) as Record<string, { b: number[] }>;
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    expect(Object.isFrozen(copy) && Object.isFrozen(copy["a"]) && Object.isFrozen(copy["a"]?.b)).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(() => copyJson("x", { n: 1n }, 100)).toThrow(HostFailure);
    expect(() => copyJson("x", "x".repeat(100), 100)).toThrow(/too|at most/);
    expect(copyJson("x", undefined, 100)).toBeNull();
  });

  test("checkLimit takes 1-1000, default 100", () => {
    expect(checkLimit(undefined)).toBe(100);
    expect(checkLimit(1000)).toBe(1000);
    for (const bad of [0, 1001, 1.5, Number.NaN]) expect(() => checkLimit(bad), String(bad)).toThrow(HostFailure);
  });
});
