import { Bulk } from "./body-scan.ts";
import type { ByteWriter } from "./byte-writer.ts";

/** Opcodes the inserted code uses. */
const I = {
  if: 0x04,
  end: 0x0b,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i64Eq: 0x51,
  i64LtU: 0x54,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32ShrU: 0x76,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
  emptyBlock: 0x40,
} as const;

/** Bulk lengths are charged at most this many units: any longer operation traps out of bounds (4 GiB = 2^28 units of 16 bytes). */
export const MAX_BULK_CHARGE = 0x1000_0000;

function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return out;
}

/**
 * The instruction sequences the rewrite inserts, for one module (its fuel global and refuel
 * import are fixed): charges, checks and bulk-length charges, exactly as docs/metering.md
 * describes them.
 */
export class MeterCode {
  private readonly getF: number[];
  private readonly setF: number[];
  private readonly checkBytes: number[];

  constructor(fuelGlobal: number, refuelFunc: number) {
    this.getF = [I.globalGet, ...uleb(fuelGlobal)];
    this.setF = [I.globalSet, ...uleb(fuelGlobal)];
    // global.get F; i32.const 0; i32.lt_s; if; global.get F; call $refuel; i32.add; global.set F; end
    this.checkBytes = [...this.getF, I.i32Const, 0, I.i32LtS, I.if, I.emptyBlock, ...this.getF, I.call, ...uleb(refuelFunc), I.i32Add, ...this.setF, I.end];
  }

  /** `global.get F; i32.const n; i32.sub; global.set F`. */
  charge(w: ByteWriter, units: number): void {
    w.bytes(this.getF);
    w.u8(I.i32Const);
    w.sleb32(units);
    w.u8(I.i32Sub);
    w.bytes(this.setF);
  }

  /**
   * A charge and a check in one: `global.get F; i32.const n; i32.sub; local.tee T; global.set F;
   * local.get T; i32.const 0; i32.lt_s; if; global.get F; call $refuel; i32.add; global.set F; end` (T: a scratch i32 local), which
   * reads the global once.
   */
  chargeAndCheck(w: ByteWriter, units: number, scratch: number): void {
    w.bytes(this.getF);
    w.u8(I.i32Const);
    w.sleb32(units);
    w.u8(I.i32Sub);
    w.u8(I.localTee);
    w.uleb(scratch);
    w.bytes(this.setF);
    w.u8(I.localGet);
    w.uleb(scratch);
    w.bytes(this.checkBytes, this.getF.length);
  }

  /** `global.get F; i32.const 0; i32.lt_s; if; global.get F; call $refuel; i32.add; global.set F; end`. */
  check(w: ByteWriter): void {
    w.bytes(this.checkBytes);
  }

  /**
   * Charges the length on top of the stack (left there) before a bulk operation: one unit per
   * 16 bytes rounded up, or per element for tables, at most {@link MAX_BULK_CHARGE}; then checks,
   * so that no run of bulk operations can take the counter past its range. `len32` and `len64`
   * are scratch locals of the function.
   */
  bulkCharge(w: ByteWriter, flags: number, len32: number, len64: number): void {
    if (flags & Bulk.wide) {
      // Clamp the i64 length to u32 and keep it in len32: select(len, 0xffffffff, len < 0xffffffff).
      const max = [I.i64Const, 0xff, 0xff, 0xff, 0xff, 0x0f];
      w.bytes([I.localTee, ...uleb(len64), I.localGet, ...uleb(len64), ...max, I.localGet, ...uleb(len64), ...max, I.i64LtU, I.select, I.i32WrapI64]);
      w.bytes([I.localSet, ...uleb(len32)]);
    } else {
      w.bytes([I.localTee, ...uleb(len32)]);
    }
    const get = [I.localGet, ...uleb(len32)];
    w.bytes(this.getF);
    if (flags & Bulk.perElement) {
      // select(len, MAX, len < MAX) as u32
      const max = [I.i32Const, 0x80, 0x80, 0x80, 0x80, 0x01];
      w.bytes([...get, ...max, ...get, ...max, I.i32LtU, I.select]);
    } else {
      // (len >> 4) + ((len & 15) != 0)
      w.bytes([...get, I.i32Const, 4, I.i32ShrU, ...get, I.i32Const, 15, I.i32And, I.i32Const, 0, I.i32Ne, I.i32Add]);
    }
    w.u8(I.i32Sub);
    w.bytes(this.setF);
    this.check(w);
  }
}

/**
 * The body of the grow helper of one memory: grows it, and when `memory.grow` returned -1 calls
 * `grow_refused(memory, pages)` before returning -1. Params: the pages (i32, or i64 for memory64).
 */
export function growHelperBody(w: ByteWriter, memory: number, memory64: boolean, growRefused: number): void {
  const body: number[] = [
    1, 1, memory64 ? 0x7e : 0x7f, // one local: the result
    I.localGet, 0, 0x40, ...uleb(memory), I.localTee, 1,
    ...(memory64 ? [I.i64Const, 0x7f, I.i64Eq] : [I.i32Const, 0x7f, I.i32Eq]),
    I.if, I.emptyBlock,
    I.i32Const, ...sleb32(memory), I.localGet, 0, ...(memory64 ? [] : [I.i64ExtendI32U]), I.call, ...uleb(growRefused),
    I.end,
    I.localGet, 1,
    I.end,
  ];
  w.uleb(body.length);
  w.bytes(body);
}

function sleb32(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}
