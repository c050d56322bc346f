import { describe, expect, it } from "vitest";
import { ByteWriter } from "./byte-writer.ts";

const bytesOf = (write: (w: ByteWriter) => void): number[] => {
  const w = new ByteWriter(1); // starts tiny: every write below makes it grow
  write(w);
  return [...w.finish()];
};

describe("ByteWriter", () => {
  it("writes unsigned LEB128, canonical or padded to a width", () => {
    expect(bytesOf((w) => w.uleb(0))).toEqual([0x00]);
    expect(bytesOf((w) => w.uleb(624485))).toEqual([0xe5, 0x8e, 0x26]);
    expect(bytesOf((w) => w.uleb(0xffff_ffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(bytesOf((w) => w.uleb(1, 5))).toEqual([0x81, 0x80, 0x80, 0x80, 0x00]);
    expect(bytesOf((w) => w.uleb(2 ** 53 - 1))).toHaveLength(8);
  });

  it("writes signed LEB128 of 32 and 64 bits at their edges", () => {
    expect(bytesOf((w) => w.sleb32(-1))).toEqual([0x7f]);
    expect(bytesOf((w) => w.sleb32(63))).toEqual([0x3f]);
    expect(bytesOf((w) => w.sleb32(64))).toEqual([0xc0, 0x00]);
    expect(bytesOf((w) => w.sleb32(-0x8000_0000))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(bytesOf((w) => w.sleb32(0x1000_0000))).toEqual([0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(bytesOf((w) => w.sleb64(-(2n ** 63n)))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]);
    expect(bytesOf((w) => w.sleb64(0xffff_ffffn))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it("copies ranges short and long, and names as UTF-8 with their length", () => {
    const source = Uint8Array.from({ length: 200 }, (_, i) => i);
    expect(bytesOf((w) => w.range(source, 3, 6))).toEqual([3, 4, 5]);
    expect(bytesOf((w) => w.range(source, 10, 110))).toEqual([...source.subarray(10, 110)]);
    expect(bytesOf((w) => w.range(source, 5, 5))).toEqual([]);
    expect(bytesOf((w) => w.name("é"))).toEqual([2, 0xc3, 0xa9]);
    expect(bytesOf((w) => w.bytes([1, 2, 3], 1))).toEqual([2, 3]);
  });
});
