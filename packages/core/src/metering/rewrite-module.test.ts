import { ThreadspaceError } from "@threadspace/errors";
import wabtInit from "wabt";
import { describe, expect, it } from "vitest";
import { capGuestMemory } from "../limits/memory-cap.ts";
import { readSections, readUleb } from "../limits/wasm-sections.ts";
import { watToWasm } from "../limits/test-support/wat.ts";
import { ByteWriter } from "./byte-writer.ts";
import { METER_VERSION, readMeterSection, rewriteModule } from "./index.ts";
import { instantiateMetered, instantiatePlain, outcome } from "./test-support/metered-instance.ts";

const COMPUTE = `(module
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $double $square)
  (type $unary (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))
  (func (export "pick") (param $k i32) (result i32)
    (block $c (block $b (block $a (br_table $a $b $c (local.get $k))) (return (i32.const 10))) (return (i32.const 20)))
    (i32.const 30))
  (func (export "apply") (param $f i32) (param $x i32) (result i32) (call_indirect (type $unary) (local.get $x) (local.get $f)))
  (func (export "pair") (param i32) (result i32)
    (block (result i32 i32) (local.get 0) (i32.const 3)) (i32.sub))
  (func (export "checked") (param i32) (result i32) (i32.div_s (i32.const 100) (local.get 0)))
  (func (export "fill") (param $len i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $len))
    (i32.load8_u (i32.const 0)))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $s (i32.add (local.get $s) (local.get $i))))
        (else (local.set $s (i32.sub (local.get $s) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s)))`;

const CALLS: [string, number[]][] = [
  ["fib", [0]],
  ["fib", [15]],
  ["add", [2, 40]],
  ["count", [0]],
  ["count", [1000]],
  ["pick", [0]],
  ["pick", [1]],
  ["pick", [9]],
  ["apply", [0, 21]],
  ["apply", [1, 9]],
  ["apply", [5, 9]],
  ["pair", [10]],
  ["checked", [4]],
  ["checked", [0]],
  ["fill", [100]],
  ["fill", [70_000]],
  ["sum", [1000]],
];

type Fn = (...args: number[]) => number;

describe("rewriteModule: behaviour", () => {
  it("returns the same results and traps as the original, and validates", async () => {
    const wasm = await watToWasm(COMPUTE, { multi_value: true, bulk_memory: true });
    const { bytes } = rewriteModule(wasm);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const plain = await instantiatePlain(wasm);
    const metered = await instantiateMetered(bytes);
    for (const [name, args] of CALLS) {
      const expected = outcome(() => (plain.exports[name] as Fn)(...args));
      const { report, ...got } = metered.run((e) => outcome(() => (e[name] as Fn)(...args)));
      expect(got.value, `${name}(${args.join(", ")})`).toEqual(expected);
      expect(report.stop).toBeUndefined();
      expect(report.fuel).toBeGreaterThan(0);
    }
  });

  it("charges exactly the instructions of each segment (docs/metering.md)", async () => {
    const metered = await instantiateMetered(rewriteModule(await watToWasm(COMPUTE, { multi_value: true, bulk_memory: true })).bytes);
    // add: local.get, local.get, i32.add, end
    expect(metered.run((e) => (e["add"] as Fn)(1, 2)).report.fuel).toBe(4);
    // count(n): entry [block loop] 2, with what follows the loop's end [end] 1 and the block's end [local.get end] 2
    // (they run once per entry: merged into its charge), + (n + 1) × the loop body [10 instructions, with br and end]
    for (const n of [0, 5, 1000]) expect(metered.run((e) => (e["count"] as Fn)(n)).report.fuel).toBe(10 * n + 15);
    // fill(len): 6 instructions (+ end) plus one unit per 16 bytes, rounded up
    const fill = (len: number): number => metered.run((e) => (e["fill"] as Fn)(len)).report.fuel;
    expect(fill(160) - fill(0)).toBe(10);
    expect(fill(161) - fill(0)).toBe(11);
  });

  it("counts the same fuel on every run and whatever the slice size", async () => {
    const bytes = rewriteModule(await watToWasm(COMPUTE, { multi_value: true, bulk_memory: true })).bytes;
    const big = await instantiateMetered(bytes);
    const small = await instantiateMetered(bytes, {}, { slice: 7 });
    for (const [name, args] of CALLS) {
      const a = big.run((e) => outcome(() => (e[name] as Fn)(...args))).report.fuel;
      const b = big.run((e) => outcome(() => (e[name] as Fn)(...args))).report.fuel;
      const c = small.run((e) => outcome(() => (e[name] as Fn)(...args))).report.fuel;
      expect([b, c]).toEqual([a, a]);
    }
  });

  it("stops a loop that never ends with fuel_exhausted, and the instance keeps serving", async () => {
    const wasm = await watToWasm(`(module
      (func (export "spin") (loop $l (br $l)))
      (func $deep (export "deep") (call $deep))
      (func (export "ok") (result i32) (i32.const 1)))`);
    const metered = await instantiateMetered(rewriteModule(wasm).bytes, {}, { slice: 10_000 });
    const spin = metered.run((e) => (e["spin"] as () => void)(), 5_000_000);
    expect(spin.error).toBeInstanceOf(ThreadspaceError);
    expect((spin.error as ThreadspaceError).code).toBe("fuel_exhausted");
    expect(spin.report.stop?.kind).toBe("fuel");
    expect(spin.report.fuel).toBeGreaterThanOrEqual(5_000_000);
    const deep = metered.run((e) => (e["deep"] as () => void)(), 1_000);
    expect((deep.error as ThreadspaceError).code).toBe("fuel_exhausted");
    expect(metered.run((e) => (e["ok"] as () => number)()).value).toBe(1);
  });

  it("meters a start function during instantiation", async () => {
    const wasm = await watToWasm(`(module (func $start (loop $l (br $l))) (start $start))`);
    await expect(instantiateMetered(rewriteModule(wasm).bytes, {}, { startFuel: 100_000 })).rejects.toMatchObject({ code: "fuel_exhausted" });
  });
});

describe("rewriteModule: caps", () => {
  const GROW = `(module (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))`;

  it("reports a memory.grow refused under the cap through grow_refused", async () => {
    const result = rewriteModule(await watToWasm(GROW), { memoryPages: 4 });
    expect(result.memoryAfter?.maximum).toBe(4);
    const metered = await instantiateMetered(result.bytes);
    const ok = metered.run((e) => (e["grow"] as Fn)(2));
    expect([ok.value, ok.report.refusedGrow]).toEqual([1, undefined]);
    const refused = metered.run((e) => (e["grow"] as Fn)(39));
    expect(refused.value).toBe(-1);
    expect(refused.report.refusedGrow).toEqual({ memory: 0, pages: 39 });
    expect(metered.run((e) => (e["size"] as () => number)()).value).toBe(3);
  });

  it("stops a table.grow bomb at the table maximum", async () => {
    const wasm = await watToWasm(`(module (table 1 funcref)
      (func (export "bomb") (result i32)
        (loop $l (br_if $l (i32.ne (table.grow (ref.null func) (i32.const 100000)) (i32.const -1))))
        (table.size)))`, { reference_types: true });
    const metered = await instantiateMetered(rewriteModule(wasm, { tableElements: 250_000 }).bytes);
    expect(metered.run((e) => (e["bomb"] as () => number)()).value).toBe(200_001);
  });

  it("refuses a table whose initial size is over the cap with limit_exceeded", async () => {
    const wasm = await watToWasm(`(module (table 5000000 funcref))`);
    expect(() => rewriteModule(wasm, { tableElements: 10_000 })).toThrow(expect.objectContaining({ code: "limit_exceeded" }));
  });

  it("in caps-only mode adds no import and writes the same bytes as capGuestMemory, plus its section", async () => {
    const wasm = await watToWasm(GROW);
    const capsOnly = rewriteModule(wasm, { fuel: false, memoryPages: 8 });
    expect(WebAssembly.Module.imports(new WebAssembly.Module(capsOnly.bytes))).toEqual([]);
    expect(readMeterSection(capsOnly.bytes)).toEqual({ version: METER_VERSION, fuel: false, tableElements: null, memoryPages: 8 });
    const capped = capGuestMemory(wasm, 8).bytes;
    expect(capsOnly.bytes.subarray(0, capped.byteLength)).toEqual(capped);
  });
});

describe("rewriteModule: indices", () => {
  const INDICES = `(module
    (import "env" "twice" (func $twice (param i32) (result i32)))
    (import "env" "log" (func $log (param i32)))
    (global $g (mut i32) (i32.const 0))
    (global $fref funcref (ref.func $seven))
    (table $t 4 funcref)
    (table $u 2 funcref)
    (elem (table $t) (i32.const 0) func $seven $eight)
    (elem $passive func $nine $seven)
    (elem $exprs funcref (ref.func $eight) (ref.null func))
    (elem declare func $nine)
    (type $r (func (result i32)))
    (func $seven (result i32) (i32.const 7))
    (func $eight (result i32) (call $twice (i32.const 4)))
    (func $nine (result i32) (i32.const 9))
    (func $init (global.set $g (i32.const 42)) (call $log (i32.const 1)))
    (start $init)
    (func (export "g") (result i32) (global.get $g))
    (func (export "via_table") (param i32) (result i32) (call_indirect $t (type $r) (local.get 0)))
    (func (export "via_ref") (result i32) (table.set $u (i32.const 0) (ref.func $nine)) (call_indirect $u (type $r) (i32.const 0)))
    (func (export "via_global") (result i32) (table.set $u (i32.const 1) (global.get $fref)) (call_indirect $u (type $r) (i32.const 1)))
    (func (export "via_init") (param i32) (result i32)
      (table.init $t $passive (i32.const 2) (i32.const 0) (i32.const 2))
      (table.init $u $exprs (i32.const 0) (i32.const 0) (i32.const 1))
      (call_indirect $t (type $r) (local.get 0)))
    (func (export "tail") (param i32) (result i32) (return_call $twice (local.get 0)))
    (export "seven" (func $seven))
    (export "twice" (func $twice)))`;

  it("renumbers calls, ref.func, element segments of every form, exports and start", async () => {
    const wasm = await watToWasm(INDICES, { reference_types: true, bulk_memory: true, tail_call: true });
    const { bytes } = rewriteModule(wasm);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const logs: number[][] = [[], []];
    const env = (k: number) => ({ env: { twice: (x: number) => x * 2, log: (x: number) => void logs[k]?.push(x) } });
    const plain = await instantiatePlain(wasm, env(0));
    const metered = await instantiateMetered(bytes, env(1));
    const calls: [string, number[]][] = [["g", []], ["via_table", [0]], ["via_table", [1]], ["via_table", [3]], ["via_ref", []], ["via_global", []], ["via_init", [2]], ["via_init", [3]], ["tail", [21]], ["seven", []], ["twice", [5]]];
    for (const [name, args] of calls) {
      const expected = outcome(() => (plain.exports[name] as Fn)(...args));
      expect(metered.run(() => outcome(() => (metered.instance.exports[name] as Fn)(...args))).value, name).toEqual(expected);
    }
    expect(logs[1]).toEqual(logs[0]);
    const meterImports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).filter((i) => i.module === "threadspace:meter");
    expect(meterImports.map((i) => i.name)).toEqual(["refuel", "grow_refused"]);
  });

  it("renames the name section's functions and locals to their new indices", async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat(
      "names.wat",
      `(module (import "env" "f" (func $imported))
        (func $fib (param $n i32) (result i32) (local $tmp i32)
          (if (result i32) (i32.lt_u (local.get $n) (i32.const 2)) (then (local.get $n)) (else (call $fib (i32.sub (local.get $n) (i32.const 1))))))
        (func $caller (call $imported) (drop (call $fib (i32.const 3)))))`,
    );
    module.resolveNames();
    const named = new Uint8Array(module.toBinary({ write_debug_names: true }).buffer);
    module.destroy();
    const rewritten = rewriteModule(named).bytes;
    const read = wabt.readWasm(rewritten, { readDebugNames: true, mutable_globals: true });
    read.applyNames();
    const text = read.toText({ foldExprs: false, inlineExport: false });
    read.destroy();
    expect(text).toMatch(/\(func \$fib \(type \d+\) \(param \$n i32\) \(result i32\)/);
    expect(text).toMatch(/call \$fib/);
    expect(text).toMatch(/\(func \$caller/);
    expect(text).toMatch(/call \$imported/);
  });
});

describe("rewriteModule: label names", () => {
  /** A `name` custom section holding only label names: function → [[label, name], ...]. */
  function labelNames(map: [number, [number, string][]][]): Uint8Array {
    const sub = new ByteWriter();
    sub.uleb(map.length);
    for (const [func, labels] of map) {
      sub.uleb(func);
      sub.uleb(labels.length);
      for (const [label, name] of labels) {
        sub.uleb(label);
        sub.name(name);
      }
    }
    const content = new ByteWriter();
    content.name("name");
    content.u8(3);
    content.uleb(sub.length);
    content.bytes(sub.finish());
    const section = new ByteWriter();
    section.u8(0);
    section.uleb(content.length);
    section.bytes(content.finish());
    return section.finish();
  }

  /** Reads the label names back: [function, label, name] triples. */
  function readLabelNames(bytes: Uint8Array): [number, number, string][] {
    const name = readSections(bytes).find((s) => s.id === 0 && new TextDecoder().decode(bytes.subarray(s.offset + 1, s.offset + 5)) === "name");
    if (name === undefined) return [];
    let pos = name.offset + 5;
    const u32 = (): number => {
      const leb = readUleb(bytes, pos);
      pos = leb.next;
      return leb.value;
    };
    const out: [number, number, string][] = [];
    while (pos < name.end) {
      const id = bytes[pos++];
      const size = u32();
      if (id !== 3) {
        pos += size;
        continue;
      }
      for (let f = u32(); f > 0; f--) {
        const func = u32();
        for (let l = u32(); l > 0; l--) {
          const label = u32();
          const length = u32();
          out.push([func, label, new TextDecoder().decode(bytes.subarray(pos, pos + length))]);
          pos += length;
        }
      }
    }
    return out;
  }

  it.each([
    ["after the code section", false],
    ["before the code section", true],
  ])("renumbers functions and moves labels past the inserted ifs, with the name section %s", async (_where, first) => {
    const wasm = await watToWasm(`(module (import "env" "f" (func))
      (func (param i32) (block $a (loop $b (br_if $b (local.get 0)) (block $c))) (call 0)))`);
    const names = labelNames([[1, [[0, "a"], [1, "b"], [2, "c"]]]]);
    const input = first ? new Uint8Array([...wasm.subarray(0, 8), ...names, ...wasm.subarray(8)]) : new Uint8Array([...wasm, ...names]);
    expect(WebAssembly.validate(input)).toBe(true);
    const { bytes } = rewriteModule(input);
    expect(WebAssembly.validate(bytes)).toBe(true);
    // Function 1 moves to 3 (two imports added). Labels: the entry check's if comes first (+1);
    // $b's own check sits inside it, so $c, after it, moves by one more.
    expect(readLabelNames(bytes)).toEqual([
      [3, 1, "a"],
      [3, 2, "b"],
      [3, 4, "c"],
    ]);
  });
});

describe("rewriteModule: proposals", () => {
  it("keeps SIMD code working", async () => {
    const wasm = await watToWasm(
      `(module (func (export "dot") (param i32 i32) (result i32)
        (i32x4.extract_lane 2 (i32x4.mul (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4)))))`,
      { simd: true },
    );
    const metered = await instantiateMetered(rewriteModule(wasm).bytes);
    expect(metered.run((e) => (e["dot"] as Fn)(5, 0)).value).toBe(15);
  });

  it("refuses exception handling with wasm_invalid", async () => {
    const wasm = await watToWasm(`(module (tag $e) (func (export "f") (try (do (throw $e)) (catch $e))))`, { exceptions: true });
    expect(() => rewriteModule(wasm)).toThrow(expect.objectContaining({ code: "wasm_invalid", message: expect.stringMatching(/exception handling/) }));
  });
});

describe("rewriteModule: refusals and the meter section", () => {
  it("says what it did in the threadspace.meter section, read from bytes or a compiled module", async () => {
    const wasm = await watToWasm(`(module (memory 1) (table 1 funcref))`);
    const { bytes, meter } = rewriteModule(wasm, { memoryPages: 16, tableElements: 100 });
    const expected = { version: METER_VERSION, fuel: true, tableElements: 100, memoryPages: 16 };
    expect(meter).toEqual(expected);
    expect(readMeterSection(bytes)).toEqual(expected);
    expect(readMeterSection(new WebAssembly.Module(bytes))).toEqual(expected);
    expect(readMeterSection(wasm)).toBeUndefined();
  });

  it("refuses a module that is already metered, or imports threadspace:meter itself", async () => {
    const once = rewriteModule(await watToWasm(`(module (func (export "f")))`)).bytes;
    expect(() => rewriteModule(once)).toThrow(expect.objectContaining({ code: "wasm_invalid", message: expect.stringMatching(/already metered/) }));
    const sneaky = await watToWasm(`(module (import "threadspace:meter" "refuel" (func (result i32))))`);
    expect(() => rewriteModule(sneaky)).toThrow(expect.objectContaining({ code: "wasm_invalid", message: expect.stringMatching(/threadspace:meter/) }));
  });

  it("refuses malformed bytes with wasm_invalid and never throws anything else", async () => {
    const wasm = await watToWasm(COMPUTE, { multi_value: true, bulk_memory: true });
    for (let cut = 0; cut < wasm.byteLength; cut += 7) {
      try {
        const { bytes } = rewriteModule(wasm.subarray(0, cut));
        expect(WebAssembly.validate(bytes)).toBe(WebAssembly.validate(wasm.subarray(0, cut)));
      } catch (error) {
        expect(error).toBeInstanceOf(ThreadspaceError);
      }
    }
  });
});
