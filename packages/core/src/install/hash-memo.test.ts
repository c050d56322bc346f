import { describe, expect, test } from "vitest";
import { Buffer } from "node:buffer";
import { HashMemo, equalBytes } from "./hash-memo.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("equalBytes", () => {
  test("compares every byte, aligned or not", () => {
    const a = new Uint8Array(1027).map((_, i) => i % 251);
    expect(equalBytes(a, a.slice())).toBe(true);
    for (const at of [0, 3, 512, 1023, 1026]) {
      const b = a.slice();
      b[at] = (b[at] as number) ^ 1;
      expect(equalBytes(a, b)).toBe(false);
    }
    // Views at odd offsets take the byte-by-byte path.
    const shifted = new Uint8Array(1030);
    shifted.set(a, 3);
    expect(equalBytes(a, shifted.subarray(3, 1030))).toBe(true);
    expect(equalBytes(a, a.subarray(0, 1026))).toBe(false);
    expect(equalBytes(bytes(), bytes())).toBe(true);
  });
});

describe("HashMemo", () => {
  test("finds a hash only for the same bytes", () => {
    const memo = new HashMemo();
    memo.remember(bytes(1, 2, 3), "sha256:a");
    expect(memo.find(bytes(1, 2, 3))).toBe("sha256:a");
    expect(memo.find(bytes(1, 2, 4))).toBeUndefined();
    expect(memo.find(bytes(1, 2))).toBeUndefined();
  });

  test("keeps at most its entries and bytes, newest first", () => {
    const memo = new HashMemo(2, 10);
    memo.remember(bytes(1), "one");
    memo.remember(bytes(2), "two");
    memo.remember(bytes(3), "three");
    expect(memo.find(bytes(1))).toBeUndefined();
    expect(memo.find(bytes(3))).toBe("three");
    memo.remember(new Uint8Array(11), "too big");
    expect(memo.find(new Uint8Array(11))).toBeUndefined();
    memo.remember(new Uint8Array(9), "nine");
    expect(memo.find(bytes(2))).toBeUndefined();
    expect(memo.find(new Uint8Array(9))).toBe("nine");
  });

  test("a native comparison is used when given", () => {
    const memo = new HashMemo(4, 1024, (a, b) => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0);
    memo.remember(bytes(5, 6), "x");
    expect(memo.find(bytes(5, 6))).toBe("x");
    expect(memo.find(bytes(5, 7))).toBeUndefined();
  });
});

test("changing an array after it was remembered changes nothing the memo answers", () => {
  const memo = new HashMemo();
  const given = new Uint8Array([9, 9, 9]);
  memo.remember(given, "sha256:nines");
  given[0] = 1;
  expect(memo.find(new Uint8Array([1, 9, 9]))).toBeUndefined();
  expect(memo.find(new Uint8Array([9, 9, 9]))).toBe("sha256:nines");
});
