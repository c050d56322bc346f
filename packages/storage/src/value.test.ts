import fc from "fast-check";
import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { storageValue } from "./arbitraries.test-support.ts";
import { DELETE } from "./types.ts";
import { byteSize, checkBatch, checkValue, copyValue, isWellFormed, utf8Length } from "./value.ts";

describe("values", () => {
  test("utf8Length is the UTF-8 length", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }));
  });

  test("copyValue returns an equal, independent copy of any storage value", () => {
    fc.assert(
      fc.property(storageValue, (value) => {
        const copy = copyValue(value);
        expect(copy).toEqual(value);
        expect(byteSize(copy)).toBe(byteSize(value));
        if (typeof value === "object" && value !== null) expect(copy).not.toBe(value);
      }),
    );
  });

  test("byteSize counts strings in UTF-8, bytes as bytes, 8 per number, 1 per container, null and boolean", () => {
    expect(byteSize({ "é": ["ab", 1, null, true, new Uint8Array(10)] })).toBe(1 + 2 + 1 + 2 + 8 + 1 + 1 + 10);
  });

  test("refusals name the path and the problem", () => {
    const cases: [unknown, RegExp][] = [
      [{ a: [1, { b: undefined }] }, /\$\.a\[1\]\.b is undefined/],
      [{ when: new Date(0) }, /\$\.when is a Date/],
      [{ "odd key": () => 1 }, /\$\["odd key"\] is a function/],
      [[new Int8Array(1)], /\$\[0\] is a Int8Array/],
      [{ n: 1n }, /bigint/],
      [{ s: "\udc00" }, /lone surrogate/],
      [{ ["\ud800"]: 1 }, /property name with a lone surrogate/],
      [Object.create({ inherited: 1 }), /non-plain|Object/],
    ];
    for (const [value, message] of cases) {
      let caught: unknown;
      try {
        checkValue(value);
      } catch (error) {
        caught = error;
      }
      expect(isThreadspaceError(caught, "bad_input"), String(caught)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 600; i++) at.push((at = []));
    expect(() => checkValue(deep)).toThrow(/deeper than 512/);
    const shared = { x: 1 };
    expect(() => checkValue({ a: shared, b: shared })).not.toThrow(); // shared, not cyclic
  });

  test("copies keep __proto__ as an own key and never change a prototype", () => {
    const copy = copyValue(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect((copy as { x?: number }).x).toBeUndefined();
  });

  test("checkBatch copies values, keeps deletes, and checks stores and keys", () => {
    const value = { a: [1] };
    const [put, del] = checkBatch([{ store: "kv", key: "a", value }, { store: "kv", key: "b", value: DELETE }], true);
    expect(put?.value).toEqual(value);
    expect(put?.value).not.toBe(value);
    expect(del?.value).toBe(DELETE);
    expect(() => checkBatch("nope" as never, false)).toThrow(/array of writes/);
    expect(() => checkBatch([null as never], false)).toThrow(/write 0/);
    expect(isWellFormed("a\ud83d\ude00b")).toBe(true);
    expect(isWellFormed("a\ud83db")).toBe(false);
  });
});
