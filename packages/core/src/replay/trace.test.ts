import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodePayload, payloadBytes, samePayload } from "./trace.ts";
import { parseTrace } from "./parse-trace.ts";

const encoder = new TextEncoder();

describe("trace payloads", () => {
  test("JSON text that prints back the same is kept as JSON; other text as text; other bytes as base64", () => {
    expect(encodePayload('{"ok":{"id":"m1"}}')).toEqual({ json: { ok: { id: "m1" } } });
    expect(encodePayload('{ "ok": 1 }')).toEqual({ text: '{ "ok": 1 }' });
    expect(encodePayload("1.0")).toEqual({ text: "1.0" });
    expect(encodePayload("m1")).toEqual({ text: "m1" });
    expect(encodePayload(new Uint8Array([0xff, 0x00, 0x41]))).toEqual({ base64: "/wBB" });
    expect(encodePayload(new Uint8Array(0))).toEqual({ text: "" });
  });

  test("every byte string comes back byte for byte, also through JSON text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string().map((s) => encoder.encode(s)), fc.jsonValue().map((v) => encoder.encode(JSON.stringify(v)))), (bytes) => {
        const payload = JSON.parse(JSON.stringify(encodePayload(bytes))) as ReturnType<typeof encodePayload>;
        expect([...payloadBytes(payload)]).toEqual([...bytes]);
        expect(samePayload(payload, encodePayload(bytes))).toBe(true);
      }),
    );
  });

  test("parseTrace never throws anything but bad_input for arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseTrace(value);
        } catch (error) {
          expect((error as { code?: string }).code).toBe("bad_input");
        }
      }),
    );
  });
});
