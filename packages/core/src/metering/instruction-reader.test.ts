import { ThreadspaceError } from "@threadspace/errors";
import { describe, expect, it } from "vitest";
import { InstructionReader } from "./instruction-reader.ts";
import { FD_OPS, SimdImm } from "./opcodes.ts";

/** Decodes `code` (one function body's instructions) and returns each instruction's [start, end). */
function decode(code: number[], memory64 = false): { op: number; sub: number; a: number; b: number; start: number; end: number }[] {
  const bytes = new Uint8Array(code);
  const r = new InstructionReader(bytes, 0, bytes.byteLength, { funcIndex: 7, memory64 });
  const out = [];
  while (!r.done) {
    r.next();
    out.push({ op: r.op, sub: r.sub, a: r.a, b: r.b, start: r.start, end: r.pos });
  }
  return out;
}

function lengths(code: number[], memory64 = false): number[] {
  return decode(code, memory64).map((i) => i.end - i.start);
}

function refusal(code: number[]): ThreadspaceError {
  try {
    decode(code);
  } catch (error) {
    if (error instanceof ThreadspaceError) return error;
    throw error;
  }
  throw new Error("decoded without an error");
}

describe("InstructionReader: MVP", () => {
  it("reads control instructions with their block types and labels", () => {
    // block (empty), loop (i32), if (type index 3), else, end, br 1, br_if 0, br_table [0 1] 2, return
    expect(lengths([0x02, 0x40, 0x03, 0x7f, 0x04, 0x03, 0x05, 0x0b, 0x0c, 0x01, 0x0d, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x0f])).toEqual([2, 2, 2, 1, 1, 2, 2, 5, 1]);
  });

  it("reads a block type index as a multi-byte s33 (multi-value)", () => {
    expect(lengths([0x02, 0x80, 0x01, 0x0b])).toEqual([3, 1]);
  });

  it("reads call and call_indirect indices", () => {
    const [call, indirect] = decode([0x10, 0xe5, 0x8e, 0x26, 0x11, 0x02, 0x01]);
    expect(call).toMatchObject({ op: 0x10, a: 624485, start: 0, end: 4 });
    expect(indirect).toMatchObject({ op: 0x11, a: 2, b: 1, end: 7 });
  });

  it("reads variables, memory instructions, constants and numeric opcodes", () => {
    const code = [
      0x20, 0x00, 0x21, 0x01, 0x22, 0x02, 0x23, 0x00, 0x24, 0x00, // locals and globals
      0x28, 0x02, 0x10, 0x36, 0x02, 0x80, 0x01, // i32.load align=2 offset=16, i32.store offset=128
      0x3f, 0x00, 0x40, 0x00, // memory.size, memory.grow
      0x41, 0x7f, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, // i32.const -1, i64.const min
      0x43, 0, 0, 0x80, 0x3f, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // f32.const 1, f64.const 1
      0x6a, 0xa7, 0xc0, 0xc4, 0x1a, 0x1b, 0x00, 0x01, // i32.add, i32.wrap_i64, sign extension, drop, select, unreachable, nop
    ];
    expect(lengths(code)).toEqual([2, 2, 2, 2, 2, 3, 4, 2, 2, 2, 11, 5, 9, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe("InstructionReader: post-MVP proposals", () => {
  it("reads the 0xFC prefix: saturating truncation, bulk memory and tables", () => {
    const ops = decode([0xfc, 0x00, 0xfc, 0x07, 0xfc, 0x08, 0x03, 0x00, 0xfc, 0x09, 0x01, 0xfc, 0x0a, 0x00, 0x00, 0xfc, 0x0b, 0x00, 0xfc, 0x0c, 0x02, 0x01, 0xfc, 0x0d, 0x02, 0xfc, 0x0e, 0x01, 0x00, 0xfc, 0x0f, 0x01, 0xfc, 0x10, 0x01, 0xfc, 0x11, 0x01]);
    expect(ops.map((o) => o.sub)).toEqual([0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(ops[2]).toMatchObject({ a: 3, b: 0 }); // memory.init data 3, memory 0
    expect(ops[6]).toMatchObject({ a: 2, b: 1 }); // table.init elem 2, table 1
  });

  it("reads reference types: ref.null, ref.is_null, ref.func, typed select, table.get/set", () => {
    expect(lengths([0xd0, 0x70, 0xd0, 0x6f, 0xd1, 0xd2, 0x05, 0x1c, 0x01, 0x7f, 0x25, 0x01, 0x26, 0x02])).toEqual([2, 2, 1, 2, 3, 2, 2]);
  });

  it("reads tail calls", () => {
    const [rc, rci] = decode([0x12, 0x04, 0x13, 0x01, 0x00]);
    expect(rc).toMatchObject({ op: 0x12, a: 4 });
    expect(rci).toMatchObject({ op: 0x13, a: 1, b: 0 });
  });

  it("reads SIMD immediates: memarg, v128.const, shuffle, lanes, memarg + lane", () => {
    const const16 = Array.from({ length: 16 }, (_, i) => i);
    const code = [
      0xfd, 0x00, 0x04, 0x00, // v128.load
      0xfd, 0x0c, ...const16, // v128.const
      0xfd, 0x0d, ...const16, // i8x16.shuffle
      0xfd, 0x15, 0x0f, // i8x16.extract_lane_s 15
      0xfd, 0x54, 0x00, 0x00, 0x03, // v128.load8_lane memarg lane
      0xfd, 0x5d, 0x03, 0x08, // v128.load64_zero
      0xfd, 0xae, 0x01, // i32x4.add (two-byte sub-opcode)
      0xfd, 0x93, 0x02, // relaxed i32x4.relaxed_dot_i8x16_i7x16_add_s (0x113)
    ];
    expect(lengths(code)).toEqual([4, 18, 18, 3, 5, 4, 3, 3]);
  });

  it("knows every SIMD opcode V8 knows and refuses the unassigned ones", () => {
    const gaps = [...FD_OPS.keys()].filter((op) => FD_OPS[op] === SimdImm.unknown);
    expect(gaps).toEqual([0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]);
    expect(refusal([0xfd, 0x9a, 0x01]).message).toMatch(/unknown SIMD opcode 0xfd 154/);
    expect(refusal([0xfd, 0x94, 0x02]).code).toBe("wasm_invalid"); // past relaxed SIMD
  });

  it("reads threads: atomics with a memarg, and atomic.fence", () => {
    expect(lengths([0xfe, 0x00, 0x02, 0x00, 0xfe, 0x03, 0x00, 0xfe, 0x10, 0x02, 0x00, 0xfe, 0x4e, 0x02, 0x00])).toEqual([4, 3, 4, 4]);
    expect(refusal([0xfe, 0x04, 0x00, 0x00]).message).toMatch(/unknown atomic opcode/);
    expect(refusal([0xfe, 0x03, 0x01]).message).toMatch(/atomic.fence/);
  });

  it("reads multi-memory memargs (bit 6: a memory index) and memory64 offsets", () => {
    const [load] = decode([0x28, 0x42, 0x03, 0x10]);
    expect(load).toMatchObject({ a: 3, end: 4 });
    const wide = [0x29, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]; // offset of 8 bytes
    expect(() => decode(wide)).toThrow(ThreadspaceError);
    expect(lengths(wide, true)).toEqual([10]);
  });
});

describe("InstructionReader: refusals", () => {
  it.each([
    ["try (exception handling)", [0x06, 0x40], /exception handling/],
    ["throw (exception handling)", [0x08, 0x00], /exception handling/],
    ["try_table (exception handling)", [0x1f, 0x40, 0x00], /exception handling/],
    ["call_ref (typed function references)", [0x14, 0x00], /typed function references/],
    ["br_on_null (typed function references)", [0xd4, 0x00], /typed function references/],
    ["GC prefix", [0xfb, 0x00], /garbage collection/],
    ["a GC block type (anyref)", [0x02, 0x6e, 0x0b], /garbage collection/],
    ["a typed reference block type", [0x02, 0x64, 0x00, 0x0b], /typed function references/],
    ["ref.null of a concrete type", [0xd0, 0x00], /unknown value type|typed/],
  ])("refuses %s with wasm_invalid naming the function and byte", (_name, code, feature) => {
    const error = refusal(code as number[]);
    expect(error.code).toBe("wasm_invalid");
    expect(error.message).toMatch(feature);
    expect(error.message).toMatch(/in function 7 at byte \d+/);
  });

  it.each([
    [0x27],
    [0xc5],
    [0xff],
  ])("refuses the unassigned opcode 0x%s", (op) => {
    expect(refusal([op]).message).toMatch(/unknown opcode/);
  });

  it("refuses unknown 0xFC sub-opcodes", () => {
    expect(refusal([0xfc, 0x12]).message).toMatch(/unknown opcode 0xfc 18/);
  });

  it("refuses select with other than one type", () => {
    expect(refusal([0x1c, 0x02, 0x7f, 0x7f]).message).toMatch(/exactly one/);
  });
});

describe("InstructionReader: LEB128 edge cases and truncation", () => {
  it("reads the largest u32 in 5 bytes and refuses 6-byte or oversized ones", () => {
    expect(decode([0x10, 0xff, 0xff, 0xff, 0xff, 0x0f])[0]?.a).toBe(0xffff_ffff);
    expect(decode([0x10, 0x80, 0x80, 0x80, 0x80, 0x00])[0]?.a).toBe(0); // padded zero is valid
    expect(refusal([0x10, 0xff, 0xff, 0xff, 0xff, 0x1f]).message).toMatch(/longer than 32 bits/);
    expect(refusal([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).message).toMatch(/longer than 32 bits/);
  });

  it("refuses an i32.const longer than 5 bytes and an i64.const longer than 10", () => {
    expect(refusal([0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).message).toMatch(/i32.const/);
    expect(refusal([0x42, ...Array<number>(10).fill(0x80), 0x00]).message).toMatch(/i64.const/);
  });

  it("ends in wasm_invalid wherever the bytes are cut, never past the end", () => {
    const code = [0x02, 0x40, 0x41, 0x80, 0x01, 0x28, 0x42, 0x01, 0x10, 0xfd, 0x0c, ...Array<number>(16).fill(1), 0x0e, 0x01, 0x00, 0x00, 0x44, 1, 2, 3, 4, 5, 6, 7, 8, 0x0b];
    expect(lengths(code).length).toBe(7);
    for (let cut = 1; cut < code.length; cut++) {
      const prefix = code.slice(0, cut);
      try {
        decode(prefix);
      } catch (error) {
        expect(error).toBeInstanceOf(ThreadspaceError);
        expect((error as ThreadspaceError).code).toBe("wasm_invalid");
      }
    }
  });

  it("stops at `end` of its window even when the bytes go on (a body inside a module)", () => {
    const bytes = new Uint8Array([0x41, 0x01, 0x1a, 0x0b, 0xff, 0xff]);
    const r = new InstructionReader(bytes, 0, 4, {});
    let count = 0;
    while (!r.done) {
      r.next();
      count++;
    }
    expect(count).toBe(3);
  });
});
