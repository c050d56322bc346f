import { ThreadspaceError } from "@threadspace/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "./byte-writer.ts";
import { rewriteModule } from "./rewrite-module.ts";
import { instantiateMetered, instantiatePlain, outcome } from "./test-support/metered-instance.ts";

/** A random i32 expression: every node leaves exactly one i32 on the stack. */
type Expr =
  | { k: "const"; v: number }
  | { k: "get"; i: number }
  | { k: "bin"; op: number; a: Expr; b: Expr }
  | { k: "un"; op: number; a: Expr }
  | { k: "if"; c: Expr; t: Expr; e: Expr }
  | { k: "brif"; v: Expr; c: Expr; r: Expr }
  | { k: "loop"; n: number; body: Expr }
  | { k: "call"; f: number; a: Expr; b: Expr }
  | { k: "load"; a: Expr }
  | { k: "store"; a: Expr; v: Expr }
  | { k: "fill"; len: Expr }
  | { k: "select"; a: Expr; b: Expr; c: Expr }
  | { k: "table"; i: Expr };

// i32.add sub mul div_u rem_s and or xor shl shr_u rotl eq lt_s ge_u
const BINOPS = [0x6a, 0x6b, 0x6c, 0x6e, 0x6f, 0x71, 0x72, 0x73, 0x74, 0x76, 0x77, 0x46, 0x48, 0x4f];
// i32.eqz clz popcnt extend8_s extend16_s
const UNOPS = [0x45, 0x67, 0x69, 0xc0, 0xc1];

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthIdentifier: "expr" },
    fc.record({ k: fc.constant("const" as const), v: fc.integer() }),
    fc.record({ k: fc.constant("get" as const), i: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ k: fc.constant("bin" as const), op: fc.constantFrom(...BINOPS), a: tie("expr"), b: tie("expr") }),
    fc.record({ k: fc.constant("un" as const), op: fc.constantFrom(...UNOPS), a: tie("expr") }),
    fc.record({ k: fc.constant("if" as const), c: tie("expr"), t: tie("expr"), e: tie("expr") }),
    fc.record({ k: fc.constant("brif" as const), v: tie("expr"), c: tie("expr"), r: tie("expr") }),
    fc.record({ k: fc.constant("loop" as const), n: fc.integer({ min: 1, max: 4 }), body: tie("expr") }),
    fc.record({ k: fc.constant("call" as const), f: fc.nat(), a: tie("expr"), b: tie("expr") }),
    fc.record({ k: fc.constant("load" as const), a: tie("expr") }),
    fc.record({ k: fc.constant("store" as const), a: tie("expr"), v: tie("expr") }),
    fc.record({ k: fc.constant("fill" as const), len: tie("expr") }),
    fc.record({ k: fc.constant("select" as const), a: tie("expr"), b: tie("expr"), c: tie("expr") }),
    fc.record({ k: fc.constant("table" as const), i: tie("expr") }),
  ),
}));

/** Emits function `index`'s body: params 0 and 1, then one counter and one accumulator local per loop. */
function emitBody(w: ByteWriter, body: Expr, index: number): void {
  const code = new ByteWriter();
  let nextLocal = 2;
  const emit = (e: Expr): void => {
    switch (e.k) {
      case "const":
        code.u8(0x41);
        code.sleb32(e.v);
        return;
      case "get":
        code.bytes([0x20, e.i]);
        return;
      case "bin":
        emit(e.a);
        emit(e.b);
        code.u8(e.op);
        return;
      case "un":
        emit(e.a);
        code.u8(e.op);
        return;
      case "if":
        emit(e.c);
        code.bytes([0x04, 0x7f]);
        emit(e.t);
        code.u8(0x05);
        emit(e.e);
        code.u8(0x0b);
        return;
      case "brif": // block (result i32) v c br_if 0 drop r end
        code.bytes([0x02, 0x7f]);
        emit(e.v);
        emit(e.c);
        code.bytes([0x0d, 0x00, 0x1a]);
        emit(e.r);
        code.u8(0x0b);
        return;
      case "loop": {
        const counter = nextLocal++;
        const acc = nextLocal++;
        code.bytes([0x41, e.n, 0x21, counter, 0x41, 0x00, 0x21, acc, 0x03, 0x40, 0x20, acc]);
        emit(e.body);
        code.bytes([0x6a, 0x21, acc, 0x20, counter, 0x41, 0x01, 0x6b, 0x22, counter, 0x0d, 0x00, 0x0b, 0x20, acc]);
        return;
      }
      case "call":
        emit(e.a);
        emit(e.b);
        if (index === 0) {
          code.u8(0x6a); // nothing to call below function 0
          return;
        }
        code.u8(0x10);
        code.uleb(e.f % index);
        return;
      case "load":
        emit(e.a);
        code.bytes([0x41, 0xfc, 0xff, 0x03, 0x71, 0x28, 0x02, 0x00]); // & 0xfffc; i32.load
        return;
      case "store":
        emit(e.a);
        code.bytes([0x41, 0xfc, 0xff, 0x03, 0x71]);
        emit(e.v);
        code.bytes([0x36, 0x02, 0x00, 0x41, 0x01]); // i32.store; i32.const 1
        return;
      case "fill":
        code.bytes([0x41, 0x10, 0x41, 0x2a]); // dest 16, value 42
        emit(e.len);
        code.bytes([0x41, 0xff, 0x1f, 0x71, 0xfc, 0x0b, 0x00, 0x41, 0x02]); // len & 0xfff; memory.fill; i32.const 2
        return;
      case "select":
        emit(e.a);
        emit(e.b);
        emit(e.c);
        code.u8(0x1b);
        return;
      case "table": // call_indirect through a table holding function 0 (which cannot call back: no recursion)
        if (index === 0) {
          emit(e.i);
          return;
        }
        code.bytes([0x20, 0x00, 0x20, 0x01]);
        emit(e.i);
        code.bytes([0x41, 0x01, 0x71, 0x11, 0x00, 0x00]); // & 1 (index 1 is null: traps); call_indirect type 0 table 0
        return;
    }
  };
  emit(body);
  code.u8(0x0b);
  const locals = nextLocal - 2;
  const head = new ByteWriter();
  if (locals > 0) head.bytes([1, ...leb(locals), 0x7f]);
  else head.u8(0);
  w.uleb(head.length + code.length);
  w.range(head.view(), 0, head.length);
  w.range(code.view(), 0, code.length);
}

function leb(n: number): number[] {
  const w = new ByteWriter();
  w.uleb(n);
  return [...w.view()];
}

/** A module of functions `f0..fn` of type (i32, i32) -> i32, one memory page and a table of two (function 0, null). */
function buildModule(bodies: readonly Expr[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: number[] | Uint8Array): void => {
    w.u8(id);
    w.uleb(content.length);
    w.bytes(content);
  };
  section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]);
  section(3, [...leb(bodies.length), ...bodies.map(() => 0)]);
  section(4, [1, 0x70, 0x00, 2]);
  section(5, [1, 0x00, 1]);
  const exports = new ByteWriter();
  exports.uleb(bodies.length);
  bodies.forEach((_, i) => {
    exports.name(`f${i}`);
    exports.bytes([0x00, ...leb(i)]);
  });
  section(7, exports.view().slice());
  section(9, [1, 0x00, 0x41, 0x00, 0x0b, 1, 0x00]); // elem (i32.const 0) func 0
  const code = new ByteWriter();
  code.uleb(bodies.length);
  bodies.forEach((body, i) => emitBody(code, body, i));
  section(10, code.view().slice());
  return w.finish();
}

describe("rewriteModule on generated modules", () => {
  it("always emits a valid module that computes, traps and counts fuel like the original", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(expr, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.integer(), fc.integer()), { minLength: 1, maxLength: 3 }), async (bodies, inputs) => {
        const wasm = buildModule(bodies);
        expect(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)).toBe(true);
        const { bytes } = rewriteModule(wasm);
        expect(WebAssembly.validate(bytes)).toBe(true);
        const plain = await instantiatePlain(wasm);
        const metered = await instantiateMetered(bytes, {}, { slice: 997 });
        const again = await instantiateMetered(bytes);
        for (let f = 0; f < bodies.length; f++) {
          for (const [x, y] of inputs) {
            const call = (e: WebAssembly.Exports) => outcome(() => (e[`f${f}`] as (a: number, b: number) => number)(x, y));
            const expected = call(plain.exports);
            const first = metered.run(call);
            const second = again.run(call);
            expect(first.value).toEqual(expected);
            expect(second.value).toEqual(expected);
            expect(first.report.fuel).toBe(second.report.fuel);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("on corrupted bytes only ever throws ThreadspaceErrors, and a module that still validates stays valid", () => {
    fc.assert(
      fc.property(
        fc.array(expr, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (bodies, edits, cut) => {
          const bytes = new Uint8Array(buildModule(bodies));
          for (const [at, value] of edits) bytes[8 + (at % (bytes.byteLength - 8))] = value;
          const input = bytes.subarray(0, 8 + (cut % (bytes.byteLength - 7)));
          let output: Uint8Array<ArrayBuffer>;
          try {
            output = rewriteModule(input).bytes;
          } catch (error) {
            expect(error).toBeInstanceOf(ThreadspaceError);
            return;
          }
          if (WebAssembly.validate(input as Uint8Array<ArrayBuffer>)) expect(WebAssembly.validate(output)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
