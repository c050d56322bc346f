import { describe, expect, test } from "vitest";
import { ExportContract } from "./export-contract.ts";
import { textQuickPass } from "./quick-pass.ts";

describe("textQuickPass", () => {
  test("only for schemas that say no more than type string and maxLength", () => {
    expect(textQuickPass({ encoding: "text", type: "string", description: "a name", maxLength: 4 })?.("abcd")).toBe(true);
    expect(textQuickPass({ encoding: "text" })?.("anything")).toBe(true);
    expect(textQuickPass({ encoding: "text", pattern: "^[a-z]+$" })).toBeUndefined();
    expect(textQuickPass({ encoding: "text", minLength: 2 })?.("abc")).toBe(false); // 3 units may be 2 code points or fewer: not proven
    expect(textQuickPass({ encoding: "text", minLength: 2 })?.("abcd")).toBe(true);
    expect(textQuickPass({ encoding: "text", enum: ["a"] })).toBeUndefined();
  });

  test("a string it cannot prove valid goes to the validator, which counts code points", () => {
    const contract = new ExportContract("p", { f: { input: { encoding: "text", type: "string", maxLength: 3 } } }, false);
    expect(contract.input("f", "😀😀😀")).toBeUndefined(); // 6 UTF-16 units, 3 code points
    expect(contract.input("f", "abcd")?.code).toBe("bad_input");
    expect(contract.input("f", new TextEncoder().encode("abcd"))?.code).toBe("bad_input");
    const least = new ExportContract("p", { f: { input: { encoding: "text", minLength: 2 } } }, false);
    expect(least.input("f", "ab")).toBeUndefined();
    expect(least.input("f", "😀")?.code).toBe("bad_input"); // 2 units, 1 code point
  });
});
