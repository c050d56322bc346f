import { ThreadspaceError } from "@threadspace/errors";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "./byte-writer.ts";
import { METER_SECTION, decodeMeterInfo, encodeMeterInfo, readMeterSection } from "./meter-section.ts";

/** An empty module with custom sections `threadspace.meter` holding each of `contents`. */
function moduleWith(...contents: string[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  for (const content of contents) {
    const body = new ByteWriter();
    body.name(METER_SECTION);
    body.bytes(new TextEncoder().encode(content));
    w.u8(0);
    w.uleb(body.length);
    w.bytes(body.finish());
  }
  return w.finish();
}

describe("the threadspace.meter section", () => {
  it("round-trips what the rewrite writes, from bytes and from a compiled module", () => {
    const info = { version: 2, fuel: true, tableElements: 10, memoryPages: null };
    expect(decodeMeterInfo(encodeMeterInfo(info))).toEqual(info);
    const bytes = moduleWith(new TextDecoder().decode(encodeMeterInfo(info)));
    expect(readMeterSection(bytes)).toEqual(info);
    expect(readMeterSection(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))).toEqual(info);
    expect(readMeterSection(moduleWith())).toBeUndefined();
  });

  it.each([
    ["not JSON", "{version"],
    ["a lone surrogate (replaced, so not JSON)", "\uDC00"],
    ["a wrong shape", '{"version":"2","fuel":true,"tableElements":1,"memoryPages":1}'],
    ["a negative cap", '{"version":2,"fuel":true,"tableElements":-1,"memoryPages":1}'],
    ["null", "null"],
  ])("refuses a section holding %s with wasm_invalid", (_what, content) => {
    const bytes = moduleWith(content);
    expect(() => readMeterSection(bytes)).toThrow(ThreadspaceError);
  });

  it("refuses two sections", () => {
    const one = new TextDecoder().decode(encodeMeterInfo({ version: 2, fuel: false, tableElements: null, memoryPages: null }));
    expect(() => readMeterSection(moduleWith(one, one))).toThrow(/2 "threadspace.meter" custom sections/);
  });
});
