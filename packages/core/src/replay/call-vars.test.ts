import { describe, expect, test } from "vitest";
import { VarOverlay, VarRecorder, varsOf, varsOrder } from "./call-vars.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | null): string | null => (value === null ? null : new TextDecoder().decode(value));

describe("call vars", () => {
  test("a recorder keeps what each key held at its first read, and nothing for a key set before it was read", () => {
    const recorder = new VarRecorder();
    let live: Uint8Array | null = bytes("a1");
    expect(text(recorder.get("a", () => live))).toBe("a1");
    live = bytes("a2");
    expect(text(recorder.get("a", () => live))).toBe("a2");
    expect(recorder.set("b")).toBe(true);
    recorder.get("b", () => bytes("set by the call"));
    recorder.get("missing", () => null);
    recorder.get("__proto__", () => bytes("x"));
    const vars = JSON.parse(JSON.stringify(recorder.toTrace())) as Record<string, unknown>;
    expect(Object.keys(vars).sort()).toEqual(["__proto__", "a", "missing"]);
    expect(vars["a"]).toEqual({ text: "a1" });
    expect(vars["missing"]).toBeNull();
  });

  test("an overlay serves the trace's vars alone, keeps the call's writes, and counts their bytes", () => {
    const overlay = new VarOverlay({ count: { json: 2 }, gone: null });
    expect(text(overlay.get("count"))).toBe("2");
    expect(overlay.get("gone")).toBeNull();
    expect(overlay.get("other")).toBeNull();
    expect(overlay.sizeWith("count", bytes("33"))).toBe(5 + 2);
    expect(overlay.set("count", bytes("3"))).toBe(false);
    expect(text(overlay.get("count"))).toBe("3");
    expect(overlay.sizeWith("new", bytes("abcd"))).toBe(6 + 7);
    overlay.set("count", null);
    expect(overlay.get("count")).toBeNull();
    expect(overlay.sizeWith("k", null)).toBe(0);
  });

  test("an order crosses to a worker as JSON and back", () => {
    const served = varsOf(JSON.parse(JSON.stringify(varsOrder(new VarOverlay({ count: { base64: "AAE=" } })))));
    expect(served).toBeInstanceOf(VarOverlay);
    expect([...(served.get("count", () => null) ?? [])]).toEqual([0, 1]);
    expect(varsOf(JSON.parse(JSON.stringify(varsOrder(new VarRecorder()))))).toBeInstanceOf(VarRecorder);
    const recorder = new VarRecorder();
    recorder.adopt({ count: { json: 2 }, none: null });
    expect(recorder.toTrace()).toEqual({ count: { json: 2 }, none: null });
  });
});
