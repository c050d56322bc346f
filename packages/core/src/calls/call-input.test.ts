import { describe, expect, test } from "vitest";
import { encodeInput } from "./call-input.ts";
import { CallResult } from "./call-result.ts";
import { translateCallError } from "./call-errors.ts";

describe("encodeInput", () => {
  test("passes strings and bytes through, turns buffers into bytes and values into JSON", () => {
    const bytes = new Uint8Array([1, 2]);
    expect(encodeInput("x", "p")).toBe("x");
    expect(encodeInput(bytes, "p")).toBe(bytes);
    expect(encodeInput(new Uint8Array([3]).buffer, "p")).toEqual(new Uint8Array([3]));
    expect(encodeInput(undefined, "p")).toBe("");
    expect(encodeInput({ a: 1 }, "p")).toBe('{"a":1}');
    expect(encodeInput(null, "p")).toBe("null");
  });

  test("refuses what JSON cannot hold", () => {
    expect(() => encodeInput({ n: 1n } as never, "p")).toThrow(expect.objectContaining({ code: "bad_input", plugin: "p" }));
  });
});

describe("CallResult", () => {
  test("decodes text, parses JSON and explains a non-JSON output", () => {
    const result = new CallResult(new TextEncoder().encode('{"x":"é"}'), "p");
    expect(result.json()).toEqual({ x: "é" });
    expect(new CallResult(null, "p").bytes.byteLength).toBe(0);
    expect(() => new CallResult(new TextEncoder().encode("nope"), "p").json()).toThrow(expect.objectContaining({ code: "bad_output" }));
  });
});

describe("translateCallError", () => {
  test("separates the plugin's own errors from traps", () => {
    expect(translateCallError(new Error("Plugin-originated error: bad"), "p", "f")).toMatchObject({ code: "plugin_error", message: expect.stringContaining("f failed: bad") });
    expect(translateCallError(new WebAssembly.RuntimeError("unreachable"), "p", "f").code).toBe("plugin_trap");
    expect(translateCallError(new RangeError("Maximum call stack size exceeded"), "p", "f").message).toContain("overflowed its stack");
  });
});
