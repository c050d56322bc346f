import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { byteSize } from "../value.ts";
import { storageValue } from "../arbitraries.test-support.ts";
import { ByteReader, decodeValue, encodeValue, measureValue } from "./codec.ts";
import { crc32 } from "./crc32.ts";

describe("value codec", () => {
  test("decode(encode(v)) equals v, and measuring the encoding gives byteSize(v)", () => {
    fc.assert(
      fc.property(storageValue, (value) => {
        const encoded = encodeValue(value);
        expect(decodeValue(encoded)).toEqual(value);
        expect(measureValue(new ByteReader(encoded))).toBe(byteSize(value));
      }),
      { numRuns: 500 },
    );
  });

  test("keeps -0, NaN, ±Infinity, int32 edges and long non-ASCII strings", () => {
    for (const n of [-0, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 0.1]) expect(Object.is(decodeValue(encodeValue(n)), n)).toBe(true);
    const text = "日本語🎉".repeat(1000);
    expect(decodeValue(encodeValue(text))).toBe(text);
  });

  test("damaged encodings are errors, not crashes or garbage", () => {
    const encoded = encodeValue({ a: "hello", b: [1, 2, 3] });
    for (let cut = 0; cut < encoded.length; cut++) expect(() => decodeValue(encoded.subarray(0, cut))).toThrow(/damaged/);
    expect(() => decodeValue(new Uint8Array([99]))).toThrow(/unknown tag 99/);
  });
});

describe("crc32", () => {
  test("matches the standard check values", () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32(ascii("56789"), crc32(ascii("1234")))).toBe(0xcbf43926);
  });
});
