// The CLI's readMemoryLimits tests (packages/cli/src/wasm-memory.test.ts), run unchanged against
// core's reader so that the CLI can re-export it; then core-only cases (locations, strictness).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { watToWasm } from "./test-support/wat.ts";
import { locateMemories, readMemoryLimits, type MemoryLimits } from "./wasm-memories.ts";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function limits(flags: number, min: number, max?: number, pageLog2?: number): number[] {
  return [flags, ...uleb(min), ...(max === undefined ? [] : uleb(max)), ...(pageLog2 === undefined ? [] : uleb(pageLog2))];
}

function moduleBytes(...sections: number[][]): Uint8Array {
  return new Uint8Array([...HEADER, ...sections.flat()]);
}

function expectMalformed(bytes: Uint8Array, pattern: RegExp): void {
  let thrown: unknown;
  try {
    readMemoryLimits(bytes);
  } catch (error) {
    thrown = error;
  }
  expect(isThreadspaceError(thrown, "wasm_invalid")).toBe(true);
  expect((thrown as Error).message).toMatch(pattern);
}

const defined = (index: number, initialPages: number, maximumPages?: number): MemoryLimits => ({
  index,
  import: undefined,
  initialPages,
  maximumPages,
  shared: false,
  memory64: false,
  pageBytes: 65_536,
});

describe("readMemoryLimits", () => {
  it("reads a defined memory with and without a maximum", async () => {
    expect(readMemoryLimits(await watToWasm(`(module (memory 1 16))`))).toEqual([defined(0, 1, 16)]);
    expect(readMemoryLimits(await watToWasm(`(module (memory (export "memory") 3))`))).toEqual([defined(0, 3)]);
  });

  it("returns no memories for a module without one", async () => {
    expect(readMemoryLimits(await watToWasm(`(module (func (export "f")))`))).toEqual([]);
  });

  it("reads an imported memory after function, table and global imports", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "f" (func (param i32) (result i64)))
      (import "env" "t" (table 2 10 funcref))
      (import "env" "g" (global (mut i32)))
      (import "env" "memory" (memory 2 300))
      (func (export "x")))`);
    expect(readMemoryLimits(wasm)).toEqual([{ ...defined(0, 2, 300), import: { module: "env", name: "memory" } }]);
  });

  it("reads shared and 64-bit memories", async () => {
    expect(readMemoryLimits(await watToWasm(`(module (memory 1 8 shared))`, { threads: true }))).toEqual([{ ...defined(0, 1, 8), shared: true }]);
    expect(readMemoryLimits(await watToWasm(`(module (memory i64 5 70000))`, { memory64: true }))).toEqual([{ ...defined(0, 5, 70000), memory64: true }]);
  });

  it("numbers imported memories before defined ones (multi-memory)", async () => {
    const wasm = await watToWasm(`(module (import "a" "m" (memory 1)) (memory 4 5) (memory 0))`, { multi_memory: true });
    expect(readMemoryLimits(wasm)).toEqual([{ ...defined(0, 1), import: { module: "a", name: "m" } }, defined(1, 4, 5), defined(2, 0)]);
  });

  it("agrees with what WebAssembly compiles for a real memory", async () => {
    const wasm = await watToWasm(`(module (memory (export "memory") 2 3))`);
    const instance = await WebAssembly.instantiate(await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>));
    const memory = instance.exports["memory"] as WebAssembly.Memory;
    expect(memory.buffer.byteLength).toBe(2 * 65_536);
    expect(() => memory.grow(2)).toThrow();
    expect(readMemoryLimits(wasm)).toEqual([defined(0, 2, 3)]);
  });

  it("reads custom page sizes and skips unknown sections and tag imports", () => {
    const bytes = moduleBytes(
      section(0, [...name("custom"), 1, 2, 3]),
      section(2, [...uleb(1), ...name("env"), ...name("tag"), 0x04, 0x00, ...uleb(0)]),
      section(5, [...uleb(1), ...limits(0x09, 1, 2, 0)]),
      section(10, [...uleb(0)]),
    );
    expect(readMemoryLimits(bytes)).toEqual([{ ...defined(0, 1, 2), pageBytes: 1 }]);
  });

  it("skips typed reference globals and table64 imports", () => {
    const bytes = moduleBytes(
      section(2, [
        ...uleb(2),
        ...[...name("a"), ...name("g"), 0x03, 0x63, 0x70, 0x00],
        ...[...name("a"), ...name("t"), 0x01, 0x70, ...limits(0x05, 1, 300)],
      ]),
      section(5, [...uleb(1), ...limits(0x00, 7)]),
    );
    expect(readMemoryLimits(bytes)).toEqual([defined(0, 7)]);
  });

  it("refuses what is not a version 1 module", () => {
    expectMalformed(new Uint8Array([1, 2, 3]), /magic/);
    expectMalformed(new TextEncoder().encode("(module (memory 1))"), /magic/);
    expectMalformed(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), /version 1/);
  });

  it("refuses truncated and malformed sections", () => {
    expectMalformed(moduleBytes([5, 10, 1]), /runs past the end/);
    expectMalformed(moduleBytes(section(5, [1, 0x01, 1])), /ends early/);
    expectMalformed(moduleBytes(section(5, [1, 0x00, 1, 0xff])), /does not end where its size says/);
    expectMalformed(moduleBytes(section(5, [1, 0x10, 1])), /unknown memory limits flags/);
    expectMalformed(moduleBytes(section(5, [1, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), /longer than 32 bits/);
    expectMalformed(moduleBytes(section(5, [1, 0x00, 0xff, 0xff, 0xff, 0xff, 0x1f])), /too large/);
    expectMalformed(moduleBytes(section(2, [1, ...name("a"), ...name("b"), 0x09])), /unknown kind/);
    expectMalformed(moduleBytes(section(2, [1, 50, 0x61])), /runs past the end/);
  });

  it("decodes any mix of imports and memories it is given", () => {
    const importArb = fc.oneof(
      fc.record({ kind: fc.constant("func" as const), module: fc.string(), name: fc.string(), type: fc.nat(1000) }),
      fc.record({ kind: fc.constant("global" as const), module: fc.string(), name: fc.string(), mutable: fc.boolean() }),
      fc.record({ kind: fc.constant("memory" as const), module: fc.string(), name: fc.string(), min: fc.nat(65_536), max: fc.option(fc.nat(65_536), { nil: undefined }) }),
    );
    const memoryArb = fc.record({ min: fc.nat(0xffff_ffff), max: fc.option(fc.nat(0xffff_ffff), { nil: undefined }), shared: fc.boolean(), memory64: fc.boolean() });
    fc.assert(
      fc.property(fc.array(importArb, { maxLength: 6 }), fc.array(memoryArb, { maxLength: 3 }), (imports, memories) => {
        const expected: MemoryLimits[] = [];
        const importBody = imports.flatMap((entry) => {
          const head = [...name(entry.module), ...name(entry.name)];
          if (entry.kind === "func") return [...head, 0x00, ...uleb(entry.type)];
          if (entry.kind === "global") return [...head, 0x03, 0x7f, entry.mutable ? 1 : 0];
          expected.push({ ...defined(expected.length, entry.min, entry.max), import: { module: entry.module, name: entry.name } });
          return [...head, 0x02, ...limits(entry.max === undefined ? 0 : 1, entry.min, entry.max)];
        });
        const memoryBody = memories.flatMap((m) => {
          expected.push({ ...defined(expected.length, m.min, m.max), shared: m.shared, memory64: m.memory64 });
          const flags = (m.max === undefined ? 0 : 1) | (m.shared ? 2 : 0) | (m.memory64 ? 4 : 0);
          return limits(flags, m.min, m.max);
        });
        const bytes = moduleBytes(section(1, [0]), section(2, [...uleb(imports.length), ...importBody]), section(5, [...uleb(memories.length), ...memoryBody]));
        expect(readMemoryLimits(bytes)).toEqual(expected);
      }),
    );
  });
});

describe("locateMemories", () => {
  it("points at the limits of a defined memory", async () => {
    const wasm = await watToWasm(`(module (memory 3 300))`);
    const [memory] = locateMemories(wasm);
    expect(memory).toBeDefined();
    const { flagsOffset, initialEnd, end, section } = memory!;
    expect(section.id).toBe(5);
    expect([...wasm.subarray(flagsOffset, end)]).toEqual([0x01, 0x03, 0xac, 0x02]);
    expect(initialEnd).toBe(flagsOffset + 2);
    expect(end).toBe(section.end);
  });

  it("points at the limits of an imported memory among other imports", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "f" (func))
      (import "env" "memory" (memory 2))
      (import "env" "g" (global i32)))`);
    const [memory] = locateMemories(wasm);
    expect(memory!.section.id).toBe(2);
    expect([...wasm.subarray(memory!.flagsOffset, memory!.end)]).toEqual([0x00, 0x02]);
    expect(memory!.end).toBeLessThan(memory!.section.end);
  });

  it("reads limits within their section only, and checks global mutability", () => {
    // The memory section ends right after the flags (has-max), though the file goes on.
    const bytes = moduleBytes(section(5, [1, 0x01, 1]), section(0, [...name("x"), 5]));
    expectMalformed(bytes, /ends early/);
    expectMalformed(moduleBytes(section(2, [1, ...name("a"), ...name("g"), 0x03, 0x7f, 0x02])), /unknown global mutability/);
  });
});
