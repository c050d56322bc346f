import { describe, expect, test } from "vitest";
import { capabilityProblem, hashProblem, logLevelProblem, mainProblem, topicProblem } from "./field-rules.ts";

describe("mainProblem", () => {
  test.each(["plugin.wasm", "build/plugin.wasm", "./plugin.wasm", "dist/v1.2/my-plugin_opt.wasm"])("accepts %j", (main) => {
    expect(mainProblem(main)).toBeUndefined();
  });

  test.each([
    ["", "empty"],
    ["/plugin.wasm", "absolute"],
    ["../plugin.wasm", '".."'],
    ["build/../../plugin.wasm", '".."'],
    ["plugin.js", '".wasm"'],
    ["plugin.wasm.txt", '".wasm"'],
    ["build\\plugin.wasm", "backslash"],
    ["C:/plugin.wasm", "drive letter"],
    ["https://evil.example/plugin.wasm", "URL"],
    ["%2e%2e/plugin.wasm", "only letters"],
    ["plugin.wasm?x=.wasm", "only letters"],
    ["build//plugin.wasm", "empty path segment"],
    [`${"a".repeat(300)}.wasm`, "the limit is 256"],
  ])("refuses %j", (main, words) => {
    expect(mainProblem(main)).toContain(words);
  });
});

describe("hashProblem", () => {
  const hex = "ab".repeat(32);

  test("accepts sha256: and 64 lowercase hex digits", () => {
    expect(hashProblem(`sha256:${hex}`)).toBeUndefined();
  });

  test("explains each common mistake", () => {
    expect(hashProblem(`sha256:${hex.toUpperCase()}`)).toContain("lowercase");
    expect(hashProblem(hex)).toContain('lacks its "sha256:" prefix');
    expect(hashProblem(`sha512:${hex}`)).toContain("only sha256");
    expect(hashProblem(`sha256:${hex.slice(1)}`)).toContain("64 lowercase hex digits");
    expect(hashProblem("")).toContain("not a sha256 hash");
  });
});

describe("capabilityProblem", () => {
  test.each(["capability_1", "pattern-recognition", "memory.analysis", "ns:thing", "A1"])("accepts %j", (capability) => {
    expect(capabilityProblem(capability)).toBeUndefined();
  });

  test.each([
    ["", "empty"],
    ["has space", "no spaces"],
    ["a/b", "no spaces"],
    ["x".repeat(129), "the limit is 128"],
  ])("refuses %j", (capability, words) => {
    expect(capabilityProblem(capability)).toContain(words);
  });
});

describe("topicProblem", () => {
  test.each(["memory.created", "thread.*", "*", "a.*.c", "plugin-x.done_1", "*.*"])("accepts %j", (topic) => {
    expect(topicProblem(topic)).toBeUndefined();
  });

  test.each(["", "Memory.created", "memory..created", ".memory", "memory.", "memory.cre*", "**", "a b", "a/b"])("refuses %j", (topic) => {
    expect(topicProblem(topic)).toContain("not a valid topic");
  });

  test("refuses very long topics", () => {
    expect(topicProblem("a".repeat(257))).toContain("the limit is 256");
  });
});

describe("logLevelProblem", () => {
  test.each(["INFO", "info", "Warning", "WARN", "TRACE", "DEBUG", "ERROR", "CRITICAL"])("accepts %j", (level) => {
    expect(logLevelProblem(level)).toBeUndefined();
  });

  test("lists the levels for anything else", () => {
    expect(logLevelProblem("VERBOSE")).toContain("TRACE, DEBUG, INFO, WARN, WARNING, ERROR, CRITICAL");
  });
});
