import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fromUtf8Order, toUtf8Order, wellFormedHead } from "./utf8-order.ts";

const utf8 = new TextEncoder();
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cmpBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
};
/** Well-formed keys, heavy on the characters whose order differs between UTF-16 and UTF-8. */
const wellFormed = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: fc.constantFrom("a", "\u0000", "\ud7ff", "\ue000", "\ue001", "\uffff", "😀", "\u{10ffff}", "\u{10000}") }),
);

describe("keys in UTF-8 order (durableObjectStorage)", () => {
  test("the UTF-8 bytes of stored keys are in the UTF-16 order of the keys", () => {
    fc.assert(
      fc.property(wellFormed, wellFormed, (a, b) => {
        expect(Math.sign(cmpBytes(utf8.encode(toUtf8Order(a)), utf8.encode(toUtf8Order(b))))).toBe(Math.sign(cmp(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  test("prefixes carry over, and fromUtf8Order undoes toUtf8Order", () => {
    fc.assert(
      fc.property(wellFormed, wellFormed, (a, b) => {
        expect(fromUtf8Order(toUtf8Order(a))).toBe(a);
        expect(toUtf8Order(a + b).startsWith(toUtf8Order(a))).toBe(true);
        expect(toUtf8Order(b).startsWith(toUtf8Order(a))).toBe(b.startsWith(a));
      }),
      { numRuns: 2000 },
    );
  });

  test("keys without surrogates or U+E000-U+FFFF are stored as they are", () => {
    expect(toUtf8Order("hello\u0000count")).toBe("hello\u0000count");
    expect(toUtf8Order("\uffff")).toBe("\ue001\uffff");
    expect(toUtf8Order("😀")).toBe("\ue000😀");
  });

  test("wellFormedHead cuts at the first lone surrogate", () => {
    expect(wellFormedHead("a😀b")).toBe("a😀b");
    expect(wellFormedHead("a\ud83d")).toBe("a");
    expect(wellFormedHead("ab\ude00c")).toBe("ab");
  });
});
