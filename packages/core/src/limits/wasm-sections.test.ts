import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { watToWasm } from "./test-support/wat.ts";
import { SectionId, encodeUleb, readSections, readUleb, ulebLength } from "./wasm-sections.ts";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function section(id: number, body: number[]): number[] {
  return [id, ...encodeUleb(body.length), ...body];
}

function moduleBytes(...sections: number[][]): Uint8Array {
  return new Uint8Array([...HEADER, ...sections.flat()]);
}

/** Runs `fn` and returns what it threw (fails the test when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  const error = thrown(fn);
  expect(isThreadspaceError(error, "wasm_invalid"), String(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

/** Only a wasm_invalid ThreadspaceError may escape `fn`. */
function onlyWasmInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!isThreadspaceError(error, "wasm_invalid")) throw error;
  }
}

describe("LEB128", () => {
  it("encodes and decodes known vectors", () => {
    expect([...encodeUleb(0)]).toEqual([0x00]);
    expect([...encodeUleb(127)]).toEqual([0x7f]);
    expect([...encodeUleb(128)]).toEqual([0x80, 0x01]);
    expect([...encodeUleb(624_485)]).toEqual([0xe5, 0x8e, 0x26]);
    expect([...encodeUleb(0xffff_ffff)]).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect([...encodeUleb(1, 5)]).toEqual([0x81, 0x80, 0x80, 0x80, 0x00]);
    expect(readUleb(new Uint8Array([0xe5, 0x8e, 0x26]), 0)).toEqual({ value: 624_485, next: 3 });
    expect(readUleb(new Uint8Array([9, 9, 0x80, 0x01]), 2)).toEqual({ value: 128, next: 4 });
    expect(readUleb(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), 0, 64)).toEqual({ value: 2 ** 53 - 1, next: 8 });
  });

  it("round-trips every u32, canonically and padded", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 4 }), (value, pad) => {
        const canonical = encodeUleb(value);
        expect(canonical.byteLength).toBe(ulebLength(value));
        expect(readUleb(canonical, 0, 32)).toEqual({ value, next: canonical.byteLength });
        const width = Math.min(5, canonical.byteLength + pad);
        const padded = encodeUleb(value, width);
        expect(padded.byteLength).toBe(width);
        expect(readUleb(padded, 0, 32)).toEqual({ value, next: width });
      }),
    );
  });

  it("round-trips u64 values up to 2^53 - 1, canonically and padded to 10 bytes", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 9 }), (value, pad) => {
        const canonical = encodeUleb(value);
        expect(readUleb(canonical, 0, 64)).toEqual({ value, next: canonical.byteLength });
        const width = Math.min(10, canonical.byteLength + pad);
        expect(readUleb(encodeUleb(value, width), 0, 64)).toEqual({ value, next: width });
      }),
    );
  });

  it("agrees with a reference decoder on the values it accepts", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.constantFrom(32 as const, 64 as const), (bytes, bits) => {
        let result: { value: number; next: number } | undefined;
        onlyWasmInvalid(() => (result = readUleb(bytes, 0, bits)));
        if (result === undefined) return;
        let big = 0n;
        for (let i = result.next - 1; i >= 0; i--) big = (big << 7n) | BigInt((bytes[i] as number) & 0x7f);
        expect(BigInt(result.value)).toBe(big);
        expect(big < 2n ** BigInt(bits)).toBe(true);
      }),
    );
  });

  it("refuses overlong, oversized and unterminated integers", () => {
    expectInvalid(() => readUleb(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 0), /longer than 32 bits \(5 bytes\)/);
    expectInvalid(() => readUleb(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f]), 0), /too large: it does not fit in 32 bits/);
    expectInvalid(() => readUleb(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]), 0, 64), /too large: it does not fit in 64 bits/);
    expectInvalid(() => readUleb(new Uint8Array([0xff, 0xff, 0xff]), 0, 64), /ends early \(inside the integer at byte 3\)/);
    expectInvalid(() => readUleb(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]), 0, 64), /too large/);
    expectInvalid(() => readUleb(new Uint8Array([0x80, 0x80]), 0), /ends early \(inside the integer at byte 2\)/);
    expectInvalid(() => readUleb(new Uint8Array([]), 0), /ends early/);
  });

  it("refuses to encode what LEB128 cannot hold or a width too small", () => {
    expect(() => encodeUleb(-1)).toThrow(RangeError);
    expect(() => encodeUleb(1.5)).toThrow(RangeError);
    expect(() => encodeUleb(2 ** 53)).toThrow(RangeError);
    expect(() => encodeUleb(128, 1)).toThrow(/needs 2/);
    expect(() => encodeUleb(1, 11)).toThrow(RangeError);
  });
});

describe("readSections", () => {
  it("lists the sections of a real module, tiling its bytes", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "f" (func))
      (memory (export "memory") 1 2)
      (global i32 (i32.const 1))
      (func (export "g") (result i32) (i32.const 7))
      (data (i32.const 0) "hi"))`);
    const sections = readSections(wasm);
    expect(sections.map((s) => s.id)).toEqual([SectionId.type, SectionId.import, SectionId.function, SectionId.memory, SectionId.global, SectionId.export, SectionId.code, SectionId.data]);
    let at = 8;
    for (const s of sections) {
      expect(s.start).toBe(at);
      expect(s.offset).toBe(s.start + 1 + s.sizeWidth);
      expect(s.end).toBe(s.offset + s.size);
      at = s.end;
    }
    expect(at).toBe(wasm.byteLength);
  });

  it("accepts custom sections anywhere and the tag and data count sections in their places", () => {
    const custom = section(0, [...encodeUleb(4), ...new TextEncoder().encode("name"), 1, 2]);
    const bytes = moduleBytes(custom, section(1, [0]), custom, section(5, [0]), section(13, [0]), section(6, [0]), section(12, [0]), section(10, [0]), custom);
    expect(readSections(bytes).map((s) => s.id)).toEqual([0, 1, 0, 5, 13, 6, 12, 10, 0]);
    expect(readSections(new Uint8Array(HEADER))).toEqual([]);
  });

  it("reports a padded size field's width", () => {
    const bytes = new Uint8Array([...HEADER, 1, ...encodeUleb(1, 5), 0]);
    expect(readSections(bytes)).toEqual([{ id: 1, start: 8, offset: 14, size: 1, end: 15, sizeWidth: 5 }]);
  });

  it("refuses what is not a version 1 core module", () => {
    expectInvalid(() => readSections(new Uint8Array([1, 2, 3])), /magic/);
    expectInvalid(() => readSections(new TextEncoder().encode("(module (memory 1))")), /it is WebAssembly text \(.wat\)/);
    expectInvalid(() => readSections(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])), /component/);
    expectInvalid(() => readSections(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00])), /not a version 1/);
  });

  it("refuses sections that do not fit, repeat, come out of order or are unknown", () => {
    expectInvalid(() => readSections(moduleBytes([5, 10, 1])), /memory section \(5\) at byte 8 runs past the end of the file: it says it holds 10 bytes but only 1 remain/);
    expectInvalid(() => readSections(moduleBytes([5])), /ends early/);
    expectInvalid(() => readSections(moduleBytes([5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), /longer than 32 bits \(5 bytes\)/);
    expectInvalid(() => readSections(moduleBytes(section(5, [0]), section(5, [0]))), /memory section \(5\) appears twice/);
    expectInvalid(() => readSections(moduleBytes(section(5, [0]), section(2, [0]))), /import section \(2\) at byte 11 is out of order/);
    expectInvalid(() => readSections(moduleBytes(section(6, [0]), section(13, [0]))), /tag section \(13\) .* out of order/);
    expectInvalid(() => readSections(moduleBytes(section(14, [0]))), /unknown section id 14/);
    expectInvalid(() => readSections(moduleBytes(section(0, [5, 0x61]))), /name of the custom section .* runs past/);
    expectInvalid(() => readSections(moduleBytes(section(0, []))), /ends early|runs past/);
  });

  it("never throws anything but wasm_invalid, and what it returns tiles the bytes", () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Plausible framing: a few sections with random ids, sizes off by a little, random content.
      fc.array(fc.tuple(fc.nat({ max: 15 }), fc.uint8Array({ maxLength: 8 }), fc.integer({ min: -2, max: 2 })), { maxLength: 6 }).map((parts) =>
        Uint8Array.from(parts.flatMap(([id, content, skew]) => [id, ...encodeUleb(Math.max(0, content.byteLength + skew)), ...content])),
      ),
    );
    fc.assert(
      fc.property(body, (rest) => {
        const bytes = new Uint8Array([...HEADER, ...rest]);
        onlyWasmInvalid(() => {
          const sections = readSections(bytes);
          let at = 8;
          for (const s of sections) {
            expect(s.start).toBe(at);
            at = s.end;
          }
          expect(at).toBe(bytes.byteLength);
        });
      }),
      { numRuns: 2_000 },
    );
  });
});
