import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { key, keyPrefix, parseSeq, prefixEnd, seqKey, splitKey } from "./keys.ts";

const part = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom("\u0000", "\u0001", "\u0002", "a", "\uffff") }));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cmpTuple = (a: readonly string[], b: readonly string[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmp(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
};

describe("composite keys", () => {
  test("key order is tuple order, for any text in the parts (U+0000 and U+0001 included)", () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(part, { minLength: 1, maxLength: 4 }), (a, b) => {
        expect(Math.sign(cmp(key(...a), key(...b)))).toBe(Math.sign(cmpTuple(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  test("splitKey undoes key", () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        expect(splitKey(key(...parts))).toEqual(parts);
      }),
    );
  });

  test("keyPrefix(p) matches the keys of p and of nothing else", () => {
    fc.assert(
      fc.property(part, part, fc.array(part, { minLength: 1, maxLength: 2 }), (p, q, rest) => {
        expect(key(q, ...rest).startsWith(keyPrefix(p))).toBe(p === q);
      }),
    );
    expect(key("p10", "x").startsWith(keyPrefix("p1"))).toBe(false);
  });

  test("seqKey sorts numerically and round-trips; refuses what it cannot order", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        expect(Math.sign(cmp(seqKey(a), seqKey(b)))).toBe(Math.sign(a - b));
        expect(parseSeq(seqKey(a))).toBe(a);
      }),
    );
    expect(key("t", 2) < key("t", 10)).toBe(true);
    for (const bad of [-1, 1.5, NaN, 2 ** 53]) expect(() => seqKey(bad)).toThrow(RangeError);
  });

  test("prefixEnd is the least string above every string with the prefix", () => {
    expect(prefixEnd("ab")).toBe("ac");
    expect(prefixEnd("a\uffff")).toBe("b");
    expect(prefixEnd("\uffff\uffff")).toBeUndefined();
    expect(prefixEnd("")).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (prefix, tail) => {
        const end = prefixEnd(prefix);
        if (end !== undefined) expect(prefix + tail < end).toBe(true);
      }),
    );
  });
});
