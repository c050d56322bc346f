import { describe, expect, test } from "vitest";
import { didYouMean, editDistance, suggest } from "./suggest.ts";

describe("editDistance", () => {
  test("counts insertions, deletions, substitutions and swaps", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("dependancies", "dependencies")).toBe(1);
    expect(editDistance("dependecnies", "dependencies")).toBe(1);
    expect(editDistance("same", "same")).toBe(0);
  });
});

describe("suggest", () => {
  const fields = ["name", "version", "dependencies", "capabilities", "config", "configSchema", "limits"];

  test("finds close typos", () => {
    expect(suggest("dependancies", fields)).toBe("dependencies");
    expect(suggest("capabilites", fields)).toBe("capabilities");
    expect(suggest("verison", fields)).toBe("version");
    expect(suggest("nmae", fields)).toBe("name");
  });

  test("ignores case, underscores and dashes", () => {
    expect(suggest("Name", fields)).toBe("name");
    expect(suggest("config_schema", fields)).toBe("configSchema");
    expect(suggest("timeout_ms", ["timeoutMs", "fuel"])).toBe("timeoutMs");
  });

  test("accepts a prefix of four letters or more", () => {
    expect(suggest("timeout", ["timeoutMs", "fuel"])).toBe("timeoutMs");
    expect(suggest("memory", ["timeoutMs", "memoryPages"])).toBe("memoryPages");
  });

  test("prefers the closest candidate", () => {
    expect(suggest("conf", fields)).toBe("config");
    expect(suggest("configs", fields)).toBe("config");
  });

  test("stays quiet when nothing is close", () => {
    expect(suggest("banana", fields)).toBeUndefined();
    expect(suggest("", fields)).toBeUndefined();
    expect(suggest("x".repeat(1000), fields)).toBeUndefined();
    expect(suggest("foo", ["log", "kv"])).toBeUndefined();
  });

  test("didYouMean formats a sentence or nothing", () => {
    expect(didYouMean("dependancies", fields)).toBe(' Did you mean "dependencies"?');
    expect(didYouMean("banana", fields)).toBe("");
  });
});
