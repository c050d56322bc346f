import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { formatOutput, parseInput } from "./call-io.ts";

const result = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("call input and output", () => {
  test("text is sent as it is; JSON is checked and sent as its text", () => {
    expect(parseInput("{not json", "text")).toBe("{not json");
    expect(parseInput('"World"', "json")).toBe('"World"');
    expect(parseInput('{"id": "m1"}', "json")).toBe('{"id": "m1"}');
  });

  test("JSON that does not parse is bad_input saying so and what to do", () => {
    let caught: unknown;
    try {
      parseInput("{not json", "json");
    } catch (error) {
      caught = error;
    }
    expect(isThreadspaceError(caught, "bad_input")).toBe(true);
    expect((caught as Error).message).toMatch(/not valid JSON .*switch the input to Text/);
  });

  test("objects and arrays are pretty-printed; other output is shown as text", () => {
    expect(formatOutput(result('{"a":[1,2]}'))).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(formatOutput(result("Hello, World!"))).toBe("Hello, World!");
    expect(formatOutput(result("42"))).toBe("42");
    expect(formatOutput(result(""))).toBe("(no output)");
  });
});
