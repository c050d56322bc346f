import { ThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { GuestErrorKind, classifyExtismError, classifyExtismWorkerError, guestError, isExtismLinkError } from "./extism-errors.ts";

describe("the Extism boundary for errors", () => {
  test("classifies what Extism's call threw by type, and error_set by Extism's own mark", () => {
    expect(classifyExtismError(new WebAssembly.RuntimeError("unreachable"))).toEqual({ kind: GuestErrorKind.TRAP, message: "unreachable" });
    expect(classifyExtismError(new RangeError("Maximum call stack size exceeded"))).toMatchObject({ kind: GuestErrorKind.STACK_OVERFLOW });
    expect(classifyExtismError(new Error("Plugin-originated error: bad input"))).toEqual({ kind: GuestErrorKind.PLUGIN_ERROR, message: "bad input" });
    expect(classifyExtismError(new ThreadspaceError("fuel_exhausted", "spent"))).toMatchObject({ kind: GuestErrorKind.FUEL_EXHAUSTED });
    expect(classifyExtismError(new ThreadspaceError("timeout", "late"))).toMatchObject({ kind: GuestErrorKind.DEADLINE });
    expect(classifyExtismError("a string")).toEqual({ kind: GuestErrorKind.TRAP, message: "a string" });
  });

  test("reads the type of an error Extism's worker sent as { message, originalStack }", () => {
    expect(classifyExtismWorkerError({ message: "Maximum call stack size exceeded", originalStack: "RangeError: Maximum call stack size exceeded\n    at ..." })).toMatchObject({ kind: GuestErrorKind.STACK_OVERFLOW });
    expect(classifyExtismWorkerError({ message: "unreachable", originalStack: "RuntimeError: unreachable" })).toMatchObject({ kind: GuestErrorKind.TRAP });
    expect(classifyExtismWorkerError({ message: "Plugin-originated error: no" })).toEqual({ kind: GuestErrorKind.PLUGIN_ERROR, message: "no" });
  });

  test("turns each kind into the engine's code, naming the export", () => {
    expect(guestError({ kind: GuestErrorKind.TRAP, message: "unreachable" }, "p", "run")).toMatchObject({ code: "plugin_trap", plugin: "p", message: expect.stringContaining("run trapped: unreachable") });
    expect(guestError({ kind: GuestErrorKind.STACK_OVERFLOW, message: "x" }, "p", "run").message).toMatch(/run overflowed its stack/);
    expect(guestError({ kind: GuestErrorKind.PLUGIN_ERROR, message: "bad" }, "p", "run")).toMatchObject({ code: "plugin_error", message: expect.stringContaining("run failed: bad") });
    expect(guestError({ kind: GuestErrorKind.FUEL_EXHAUSTED, message: "spent" }, "p", "run").code).toBe("fuel_exhausted");
    expect(guestError({ kind: GuestErrorKind.DEADLINE, message: "late" }, "p", "run").code).toBe("timeout");
  });

  test("tells a link failure by type, or by rc13's own check", () => {
    expect(isExtismLinkError(new WebAssembly.LinkError("x"))).toBe(true);
    expect(isExtismLinkError(new Error('from module "main": cannot resolve import "a" "b"'))).toBe(true);
    expect(isExtismLinkError(new Error("out of memory"))).toBe(false);
  });
});
