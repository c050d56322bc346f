import createPlugin from "@extism/extism";
import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { setFlagsFromString } from "node:v8";
import { beforeAll, describe, expect, it } from "vitest";
import { isThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { capGuestMemory, type MemoryCapResult } from "./memory-cap.ts";
import { growWat, watToWasm } from "./test-support/wat.ts";
import { readMemoryLimits } from "./wasm-memories.ts";
import { encodeUleb, readSections } from "./wasm-sections.ts";

const PAGE = 65_536;
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function section(id: number, body: number[]): number[] {
  return [id, ...encodeUleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...encodeUleb(bytes.length), ...bytes];
}

function moduleBytes(...sections: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([...HEADER, ...sections.flat()]);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function expectCode(fn: () => unknown, code: ThreadspaceErrorCode, pattern: RegExp): void {
  const error = thrown(fn);
  expect(isThreadspaceError(error, code), String(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

/** Only a ThreadspaceError may escape `fn`. */
function onlyThreadspaceErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!isThreadspaceError(error)) throw error;
  }
}

interface GrowExports {
  grow(pages: number): number;
  size(): number;
}

async function instantiate(bytes: Uint8Array, imports: WebAssembly.Imports = {}): Promise<GrowExports> {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, imports);
  return instance.exports as unknown as GrowExports;
}

/** The indices at which two arrays of equal length differ. */
function diff(a: Uint8Array, b: Uint8Array): number[] {
  expect(a.byteLength).toBe(b.byteLength);
  const out: number[] = [];
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** Every section but the one holding the memory is byte-for-byte the same, in the same order. */
function expectOtherSectionsIdentical(before: Uint8Array, after: Uint8Array, memorySectionId: number): void {
  const a = readSections(before);
  const b = readSections(after);
  expect(b.map((s) => s.id)).toEqual(a.map((s) => s.id));
  a.forEach((s, i) => {
    const t = b[i]!;
    if (s.id === memorySectionId) return;
    expect(after.subarray(t.start, t.end)).toEqual(before.subarray(s.start, s.end));
  });
}

describe("capGuestMemory: rewriting", () => {
  it("adds a maximum to a defined memory without one, changing nothing else", async () => {
    const wasm = await watToWasm(growWat(`(memory (export "memory") 1)`));
    const result = capGuestMemory(wasm, 4);
    expect(result.changed).toBe(true);
    expect(result.before).toEqual({ initial: 1, imported: false, shared: false, memory64: false });
    expect(result.after).toEqual({ initial: 1, maximum: 4, imported: false, shared: false, memory64: false });
    expect(readMemoryLimits(result.bytes)).toMatchObject([{ initialPages: 1, maximumPages: 4 }]);
    // Exactly: the section size grows by one, flags 0x00 -> 0x01, the maximum is inserted.
    const memory = readSections(wasm).find((s) => s.id === 5)!;
    const expected = new Uint8Array([
      ...wasm.subarray(0, memory.start + 1),
      memory.size + 1,
      ...wasm.subarray(memory.offset, memory.offset + 1), // count
      0x01,
      ...wasm.subarray(memory.offset + 2, memory.end), // initial
      0x04,
      ...wasm.subarray(memory.end),
    ]);
    expect(result.bytes).toEqual(expected);
    expectOtherSectionsIdentical(wasm, result.bytes, 5);
    expect(WebAssembly.validate(result.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
  });

  it("lowers a larger maximum in place: same length, only the maximum's bytes differ", async () => {
    const wasm = await watToWasm(growWat(`(memory (export "memory") 1 65536)`));
    const result = capGuestMemory(wasm, 256);
    expect(result.before?.maximum).toBe(65_536);
    expect(result.after?.maximum).toBe(256);
    const changed = diff(wasm, result.bytes);
    const memory = readSections(wasm).find((s) => s.id === 5)!;
    // 65536 is 3 LEB bytes (80 80 04); 256 padded to 3 bytes is 80 82 00.
    expect([...result.bytes.subarray(memory.end - 3, memory.end)]).toEqual([0x80, 0x82, 0x00]);
    expect(changed.every((i) => i >= memory.end - 3 && i < memory.end)).toBe(true);
    expect(readMemoryLimits(result.bytes)).toMatchObject([{ initialPages: 1, maximumPages: 256 }]);
    await expect(WebAssembly.compile(result.bytes as Uint8Array<ArrayBuffer>)).resolves.toBeInstanceOf(WebAssembly.Module);
  });

  it("returns the input itself when the maximum is already within the cap", async () => {
    for (const decl of [`(memory 1 8)`, `(memory 1 16)`]) {
      const wasm = await watToWasm(growWat(decl));
      const result = capGuestMemory(wasm, 16);
      expect(result.changed).toBe(false);
      expect(result.bytes).toBe(wasm);
      expect(result.after).toEqual(result.before);
    }
  });

  it("passes a module without memory unchanged", async () => {
    const wasm = await watToWasm(`(module (func (export "f") (result i32) (i32.const 1)))`);
    expect(capGuestMemory(wasm, 1)).toEqual({ bytes: wasm, changed: false, before: undefined, after: undefined });
    expect(capGuestMemory(wasm, 0).bytes).toBe(wasm);
  });

  it("caps an imported memory among other imports, leaving the other imports' bytes alone", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "f" (func $f (param i32) (result i32)))
      (import "env" "memory" (memory 2))
      (import "env" "g" (global i32))
      (import "env" "t" (table 1 funcref))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))`);
    const result = capGuestMemory(wasm, 8);
    expect(result.before).toEqual({ initial: 2, imported: true, shared: false, memory64: false });
    expect(result.after).toEqual({ initial: 2, maximum: 8, imported: true, shared: false, memory64: false });
    expectOtherSectionsIdentical(wasm, result.bytes, 2);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(result.bytes as Uint8Array<ArrayBuffer>))).toEqual(
      WebAssembly.Module.imports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>)),
    );
    const env = (memory: WebAssembly.Memory) => ({
      env: { f: (x: number) => x, memory, g: new WebAssembly.Global({ value: "i32" }, 0), t: new WebAssembly.Table({ initial: 1, element: "anyfunc" }) },
    });
    // The embedder must now provide a memory whose maximum is within the cap.
    await expect(instantiate(result.bytes, env(new WebAssembly.Memory({ initial: 2 })))).rejects.toThrow(WebAssembly.LinkError);
    await expect(instantiate(result.bytes, env(new WebAssembly.Memory({ initial: 2, maximum: 9 })))).rejects.toThrow(WebAssembly.LinkError);
    const exports = await instantiate(result.bytes, env(new WebAssembly.Memory({ initial: 2, maximum: 8 })));
    expect(exports.grow(6)).toBe(2);
    expect(exports.grow(1)).toBe(-1);
  });

  it("lowers an imported memory's maximum in place", async () => {
    const wasm = await watToWasm(`(module (import "env" "memory" (memory 1 1000)))`);
    const result = capGuestMemory(wasm, 10);
    expect(result.bytes.byteLength).toBe(wasm.byteLength);
    expect(diff(wasm, result.bytes)).toHaveLength(2); // 1000 = e8 07 -> 10 = 8a 00
    expect(readMemoryLimits(result.bytes)).toMatchObject([{ import: { module: "env", name: "memory" }, initialPages: 1, maximumPages: 10 }]);
  });

  it("caps a shared memory (threads), which keeps its shared flag", async () => {
    const wasm = await watToWasm(growWat(`(memory 1 65536 shared)`), { threads: true });
    const result = capGuestMemory(wasm, 3);
    expect(result.before).toEqual({ initial: 1, maximum: 65_536, imported: false, shared: true, memory64: false });
    expect(result.after).toEqual({ initial: 1, maximum: 3, imported: false, shared: true, memory64: false });
    const exports = await instantiate(result.bytes);
    expect(exports.grow(2)).toBe(1);
    expect(exports.grow(1)).toBe(-1);
  });

  it("caps a memory64 memory in the same 64 KiB pages", async () => {
    setFlagsFromString("--experimental-wasm-memory64"); // Node 20 ships memory64 behind a flag
    const wasm = await watToWasm(
      `(module (memory i64 1)
        (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))`,
      { memory64: true },
    );
    const result = capGuestMemory(wasm, 5);
    expect(result.after).toEqual({ initial: 1, maximum: 5, imported: false, shared: false, memory64: true });
    expect(readMemoryLimits(result.bytes)).toMatchObject([{ memory64: true, initialPages: 1, maximumPages: 5 }]);
    const { instance } = await WebAssembly.instantiate(result.bytes as Uint8Array<ArrayBuffer>);
    const grow = instance.exports["grow"] as (pages: bigint) => bigint;
    expect(grow(4n)).toBe(1n);
    expect(grow(1n)).toBe(-1n);
  });

  it("keeps padded LEB128 widths: the section size and a lowered maximum", () => {
    // memory section with its size padded to 5 bytes and a maximum of 9 padded to 5 bytes.
    const body = [1, 0x01, 0x01, ...encodeUleb(9, 5)];
    const wasm = new Uint8Array([...HEADER, 5, ...encodeUleb(body.length, 5), ...body]);
    expect(WebAssembly.validate(wasm)).toBe(true);
    const lowered = capGuestMemory(wasm, 2);
    expect(diff(wasm, lowered.bytes)).toEqual([wasm.byteLength - 5]); // 0x89 -> 0x82
    expect(WebAssembly.validate(lowered.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
    // Adding a maximum keeps the padded size field's width.
    const noMax = new Uint8Array([...HEADER, 5, ...encodeUleb(3, 5), 1, 0x00, 0x01]);
    const added = capGuestMemory(noMax, 2);
    expect([...added.bytes]).toEqual([...HEADER, 5, ...encodeUleb(4, 5), 1, 0x01, 0x01, 0x02]);
    expect(WebAssembly.validate(added.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
  });

  it("works on a view into a larger buffer", async () => {
    const wasm = await watToWasm(growWat(`(memory 1)`));
    const big = new Uint8Array(wasm.byteLength + 20);
    big.set(wasm, 7);
    const view = big.subarray(7, 7 + wasm.byteLength);
    expect(capGuestMemory(view, 2).bytes).toEqual(capGuestMemory(wasm, 2).bytes);
  });
});

describe("capGuestMemory: the boundary, exactly", () => {
  for (const decl of [`(memory 1)`, `(memory 1 65536)`, `(memory 1 100)`]) {
    it(`with a cap of N pages, ${decl} grows to N and not to N + 1`, async () => {
      for (const cap of [1, 2, 17, 64]) {
        const exports = await instantiate(capGuestMemory(await watToWasm(growWat(decl)), cap).bytes);
        expect(exports.grow(cap - 1)).toBe(1);
        expect(exports.size()).toBe(cap);
        expect(exports.grow(1)).toBe(-1);
        expect(exports.grow(0)).toBe(cap);
        expect(exports.size()).toBe(cap);
      }
    });
  }

  it("a single grow past the cap fails as a whole", async () => {
    const exports = await instantiate(capGuestMemory(await watToWasm(growWat(`(memory 1)`)), 10).bytes);
    expect(exports.grow(10)).toBe(-1);
    expect(exports.size()).toBe(1);
    expect(exports.grow(9)).toBe(1);
  });

  it("a module starting at exactly the cap is accepted and cannot grow", async () => {
    const exports = await instantiate(capGuestMemory(await watToWasm(growWat(`(memory 5)`)), 5).bytes);
    expect(exports.size()).toBe(5);
    expect(exports.grow(1)).toBe(-1);
  });

  it("a cap of 0 pages accepts a module with 0 initial pages, which then cannot grow", async () => {
    const exports = await instantiate(capGuestMemory(await watToWasm(growWat(`(memory 0)`)), 0).bytes);
    expect(exports.grow(1)).toBe(-1);
  });

  it("holds for any initial size, declared maximum and cap", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 40 }), fc.option(fc.nat({ max: 60 }), { nil: undefined }), fc.nat({ max: 48 }), fc.boolean(), async (initial, extra, cap, imported) => {
        const maximum = extra === undefined ? undefined : initial + extra;
        const limits = `${initial}${maximum === undefined ? "" : ` ${maximum}`}`;
        const decl = imported ? `(import "env" "memory" (memory ${limits}))` : `(memory ${limits})`;
        const wasm = await watToWasm(growWat(decl));
        if (initial > cap) {
          expectCode(() => capGuestMemory(wasm, cap), "memory_limit", new RegExp(`asks for ${initial} pages? .* at start, but the cap is ${cap} page`));
          return;
        }
        const result = capGuestMemory(wasm, cap);
        const limit = Math.min(maximum ?? Infinity, cap);
        expect(result.after?.maximum).toBe(limit);
        expect(result.changed).toBe(maximum === undefined || maximum > cap);
        expectOtherSectionsIdentical(wasm, result.bytes, imported ? 2 : 5);
        const memory = imported ? new WebAssembly.Memory({ initial, maximum: limit }) : undefined;
        const exports = await instantiate(result.bytes, memory === undefined ? {} : { env: { memory } });
        expect(exports.grow(limit - initial)).toBe(initial);
        expect(exports.grow(1)).toBe(-1);
        expect(exports.size()).toBe(limit);
      }),
      { numRuns: 150 },
    );
  });
});

describe("capGuestMemory: refusals", () => {
  it("refuses a module that needs more pages at start than the cap, saying what to do", async () => {
    const wasm = await watToWasm(growWat(`(memory 300)`));
    const error = thrown(() => capGuestMemory(wasm, 256, { plugin: "big" }));
    expect(isThreadspaceError(error, "memory_limit")).toBe(true);
    expect((error as Error).message).toBe(
      "[threadspace] [plugin big] the module asks for 300 pages (18.75 MiB) of memory at start, but the cap is 256 pages (16 MiB). " +
        'Raise "limits.memoryPages" in plugin.json to at least 300 (the host\'s policy may cap it lower), or build the plugin with a smaller initial memory (wasm-ld: --initial-memory=<bytes>; AssemblyScript: --initialMemory <pages>).',
    );
    expectCode(() => capGuestMemory(wasm, 299), "memory_limit", /asks for 300 pages .* the cap is 299 pages/);
    expect(capGuestMemory(wasm, 300).after?.maximum).toBe(300);
  });

  it("names where an imported memory comes from when refusing it", async () => {
    const wasm = await watToWasm(`(module (import "env" "mem" (memory 3)))`);
    expectCode(() => capGuestMemory(wasm, 2), "memory_limit", /imported from "env" "mem"/);
  });

  it("refuses more than one memory (multi-memory)", () => {
    const two = moduleBytes(section(5, [2, 0x00, 1, 0x00, 1]));
    expectCode(() => capGuestMemory(two, 10), "memory_limit", /2 memories \(multi-memory\)/);
    const importedAndDefined = moduleBytes(section(2, [1, ...name("a"), ...name("m"), 0x02, 0x00, 1]), section(5, [1, 0x00, 1]));
    expectCode(() => capGuestMemory(importedAndDefined, 10), "memory_limit", /2 memories/);
  });

  it("refuses custom page sizes", () => {
    expectCode(() => capGuestMemory(moduleBytes(section(5, [1, 0x08, 1, 0])), 10), "memory_limit", /1-byte pages \(the custom-page-sizes proposal\)/);
  });

  it("refuses limits no engine would accept", () => {
    expectCode(() => capGuestMemory(moduleBytes(section(5, [1, 0x01, 5, 4])), 10), "wasm_invalid", /maximum \(4 pages\) is below its initial size \(5 pages\)/);
    expectCode(() => capGuestMemory(moduleBytes(section(5, [1, 0x02, 1])), 10), "wasm_invalid", /shared memory has no maximum/);
    expectCode(() => capGuestMemory(moduleBytes(section(5, [1, 0x01, 1, ...encodeUleb(65_537)])), 10), "wasm_invalid", /more than 65536 pages/);
  });

  it("refuses a cap that is not a whole number of pages from 0 to 65536", async () => {
    const wasm = await watToWasm(growWat(`(memory 1)`));
    for (const cap of [-1, 1.5, 65_537, Number.NaN, Infinity]) expect(() => capGuestMemory(wasm, cap)).toThrow(RangeError);
    expect(capGuestMemory(wasm, 65_536).after?.maximum).toBe(65_536);
  });
});

describe("capGuestMemory: hostile bytes", () => {
  let valid: Uint8Array;
  let validImport: Uint8Array;
  beforeAll(async () => {
    valid = await watToWasm(`(module
      (import "env" "f" (func (param i32) (result i32)))
      (memory (export "memory") 2 1000)
      (global (mut i32) (i32.const 3))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (data (i32.const 16) "hello"))`);
    validImport = await watToWasm(`(module (import "env" "f" (func)) (import "env" "memory" (memory 1)) (func (export "x")))`);
  });

  it("refuses every truncation of a valid module cleanly", () => {
    for (const source of [valid, validImport]) {
      for (let length = 0; length < source.byteLength; length++) {
        const cut = source.slice(0, length);
        try {
          const result = capGuestMemory(cut, 100);
          // A cut exactly between sections is a well-framed (shorter) module.
          expect(readSections(cut).at(-1)?.end ?? 8).toBe(length);
          expect(result.bytes.byteLength).toBeGreaterThanOrEqual(length);
        } catch (error) {
          expect(isThreadspaceError(error, "wasm_invalid"), `at length ${length}: ${String(error)}`).toBe(true);
        }
      }
    }
  });

  it("random bytes, with and without a valid header, throw only ThreadspaceErrors", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.nat({ max: 70_000 }), (rest, withHeader, cap) => {
        const bytes = withHeader ? new Uint8Array([...HEADER, ...rest]) : rest;
        onlyThreadspaceErrors(() => capGuestMemory(bytes, Math.min(cap, 65_536)));
      }),
      { numRuns: 5_000 },
    );
  });

  it("mutated valid modules throw only ThreadspaceErrors, and what validated before still validates", () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.constantFrom(0, 1), mutation, fc.nat({ max: 2_000 }), (which, edits, cap) => {
        const bytes = Uint8Array.from(which === 0 ? valid : validImport);
        for (const [at, value] of edits) bytes[at % bytes.byteLength] = value;
        let result: MemoryCapResult | undefined;
        onlyThreadspaceErrors(() => (result = capGuestMemory(bytes, cap)));
        if (result !== undefined && WebAssembly.validate(bytes)) expect(WebAssembly.validate(result.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it("random truncations of random mutations end quickly", () => {
    const started = performance.now();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat({ max: 255 }), (cutAt, at, value) => {
        const bytes = Uint8Array.from(valid);
        bytes[at % bytes.byteLength] = value;
        onlyThreadspaceErrors(() => capGuestMemory(bytes.subarray(0, cutAt % (bytes.byteLength + 1)), 64));
      }),
      { numRuns: 5_000 },
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("capGuestMemory: the memory-bomb fixture", () => {
  const stubImports = {
    "extism:host/env": {
      input_length: () => 0n,
      input_load_u8: () => 0,
      alloc: () => 0n,
      store_u8: () => undefined,
      output_set: () => undefined,
    },
  };
  let bomb: Uint8Array;
  beforeAll(async () => {
    const wat = await readFile(new URL("../../../../test/fixtures/wat/memory-bomb.wat", import.meta.url), "utf8");
    bomb = await watToWasm(wat);
  });

  it("declares 4 GiB, and grows only to the cap before it traps", async () => {
    const result = capGuestMemory(bomb, 64);
    expect(result.before).toEqual({ initial: 1, maximum: 65_536, imported: false, shared: false, memory64: false });
    expect(result.bytes.byteLength).toBe(bomb.byteLength); // lowered in place
    const { instance } = await WebAssembly.instantiate(result.bytes as Uint8Array<ArrayBuffer>, stubImports);
    const memory = instance.exports["memory"] as WebAssembly.Memory;
    expect(() => (instance.exports["grow"] as () => number)()).toThrow(/unreachable/);
    expect(memory.buffer.byteLength).toBe(64 * PAGE);
  });

  it("stops at the cap under @extism/extism too, whose own maxPages does not", async () => {
    const module = await WebAssembly.compile(capGuestMemory(bomb, 100).bytes as Uint8Array<ArrayBuffer>);
    const plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: false });
    try {
      expect((await plugin.call("pages", ""))?.text()).toBe("1");
      await expect(plugin.call("grow", "")).rejects.toThrow(/unreachable/);
      expect((await plugin.call("pages", ""))?.text()).toBe("100");
    } finally {
      await plugin.close();
    }
  });
});
