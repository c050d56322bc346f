import { describe, expect, test } from "vitest";
import { textTooDeep, utf8Length, walkValue } from "./measure.ts";

const encoder = new TextEncoder();

describe("utf8Length", () => {
  test.each(["", "abc", "é", "€", "😀", "a😀b€é", "\uD800", "x\uDC00y"])("matches TextEncoder for %j", (text) => {
    expect(utf8Length(text)).toBe(encoder.encode(text).length);
  });

  test("stops early once past the limit", () => {
    expect(utf8Length("a".repeat(1_000_000), 10)).toBe(11);
  });
});

describe("textTooDeep", () => {
  test("counts nesting outside strings only", () => {
    expect(textTooDeep("{}", 1)).toBe(false);
    expect(textTooDeep("{\"a\":[]}", 1)).toBe(true);
    expect(textTooDeep("{\"a\":[]}", 2)).toBe(false);
    expect(textTooDeep('{"a":"[[[[[[{{{{"}', 1)).toBe(false);
    expect(textTooDeep('{"a":"\\"[[[["}', 1)).toBe(false);
  });

  test("handles very deep text without recursion", () => {
    expect(textTooDeep("[".repeat(1_000_000), 32)).toBe(true);
    expect(textTooDeep(`${"[".repeat(32)}${"]".repeat(32)}`, 32)).toBe(false);
    expect(textTooDeep(`${"[".repeat(33)}${"]".repeat(33)}`, 32)).toBe(true);
  });
});

describe("walkValue", () => {
  function nest(depth: number): unknown {
    let value: unknown = {};
    for (let i = 1; i < depth; i++) value = { a: value };
    return value;
  }

  test("accepts up to maxDepth levels and refuses one more", () => {
    expect(walkValue(nest(32), 32, 1000)).toBeUndefined();
    expect(walkValue(nest(33), 32, 1000)).toBe("too_deep");
  });

  test("survives a million levels", () => {
    expect(walkValue(nest(1_000_000), 32, 1000)).toBe("too_deep");
  });

  test("calls a cycle too deep", () => {
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    expect(walkValue(cycle, 32, 1000)).toBe("too_deep");
  });

  test("counts shared sub-objects each time, like JSON.stringify", () => {
    let value: unknown = [1, 2];
    for (let i = 0; i < 30; i++) value = [value, value];
    expect(walkValue(value, 32, 65_536)).toBe("too_large");
  });

  test("refuses huge arrays without visiting every item", () => {
    expect(walkValue(new Array(2 ** 31), 32, 65_536)).toBe("too_large");
  });

  test("primitives are fine", () => {
    expect(walkValue(1, 32, 10)).toBeUndefined();
    expect(walkValue(null, 32, 10)).toBeUndefined();
  });
});
