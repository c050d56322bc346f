/**
 * The instruction set the metering rewrite understands: what immediates each opcode carries.
 * MVP, sign extension, non-trapping float-to-int and bulk memory (0xFC), reference types,
 * multi-value, SIMD and relaxed SIMD (0xFD), tail calls, threads (0xFE), multi-memory and
 * memory64 memargs. Exception handling, GC and typed function references are refused.
 */

/** How the immediates of a one-byte opcode are encoded. */
export const Imm = {
  /** Not an instruction the rewrite knows (unassigned, or a proposal it refuses). */
  unknown: 0,
  none: 1,
  blockType: 2,
  /** One u32: a label, local, global, table, data or element index. */
  u32: 3,
  brTable: 4,
  /** A function index (call, return_call, ref.func): renumbered by the rewrite. */
  funcIndex: 5,
  /** Type index and table index (call_indirect, return_call_indirect). */
  twoU32: 6,
  selectTyped: 7,
  memarg: 8,
  /** A memory index (memory.size, memory.grow). */
  memIndex: 9,
  i32: 10,
  i64: 11,
  f32: 12,
  f64: 13,
  heapType: 14,
  prefixFC: 15,
  prefixFD: 16,
  prefixFE: 17,
} as const;

/** One of the {@link Imm} kinds. */
export type ImmKind = (typeof Imm)[keyof typeof Imm];

/** Opcodes the rewrite treats specially. */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  memoryGrow: 0x40,
  refFunc: 0xd2,
  prefixFC: 0xfc,
  prefixFD: 0xfd,
  prefixFE: 0xfe,
} as const;

/** Immediate kind of every one-byte opcode (index = opcode). */
export const ONE_BYTE: Uint8Array = buildOneByte();

function buildOneByte(): Uint8Array {
  const t = new Uint8Array(256); // 0 = unknown
  const set = (from: number, to: number, kind: ImmKind): void => {
    for (let op = from; op <= to; op++) t[op] = kind;
  };
  set(0x00, 0x01, Imm.none); // unreachable, nop
  set(0x02, 0x04, Imm.blockType); // block, loop, if
  t[0x05] = Imm.none; // else
  t[0x0b] = Imm.none; // end
  set(0x0c, 0x0d, Imm.u32); // br, br_if
  t[0x0e] = Imm.brTable;
  t[0x0f] = Imm.none; // return
  t[0x10] = Imm.funcIndex; // call
  t[0x11] = Imm.twoU32; // call_indirect
  t[0x12] = Imm.funcIndex; // return_call
  t[0x13] = Imm.twoU32; // return_call_indirect
  set(0x1a, 0x1b, Imm.none); // drop, select
  t[0x1c] = Imm.selectTyped;
  set(0x20, 0x24, Imm.u32); // local.get/set/tee, global.get/set
  set(0x25, 0x26, Imm.u32); // table.get, table.set
  set(0x28, 0x3e, Imm.memarg); // loads and stores
  set(0x3f, 0x40, Imm.memIndex); // memory.size, memory.grow
  t[0x41] = Imm.i32;
  t[0x42] = Imm.i64;
  t[0x43] = Imm.f32;
  t[0x44] = Imm.f64;
  set(0x45, 0xc4, Imm.none); // numeric, and sign extension (0xc0-0xc4)
  t[0xd0] = Imm.heapType; // ref.null
  t[0xd1] = Imm.none; // ref.is_null
  t[0xd2] = Imm.funcIndex; // ref.func
  t[0xfc] = Imm.prefixFC;
  t[0xfd] = Imm.prefixFD;
  t[0xfe] = Imm.prefixFE;
  return t;
}

/** Immediates of 0xFC sub-opcodes (saturating truncation, bulk memory, tables). */
export const FC_OPS: readonly ImmKind[] = [
  ...Array<ImmKind>(8).fill(Imm.none), // 0-7: i32/i64.trunc_sat_f32/f64_s/u
  Imm.twoU32, // 8 memory.init data mem
  Imm.u32, // 9 data.drop
  Imm.twoU32, // 10 memory.copy mem mem
  Imm.u32, // 11 memory.fill mem
  Imm.twoU32, // 12 table.init elem table
  Imm.u32, // 13 elem.drop
  Imm.twoU32, // 14 table.copy table table
  Imm.u32, // 15 table.grow
  Imm.u32, // 16 table.size
  Imm.u32, // 17 table.fill
];

/** 0xFC sub-opcodes the rewrite charges by length. */
export const FC = {
  memoryInit: 8,
  memoryCopy: 10,
  memoryFill: 11,
  tableInit: 12,
  tableCopy: 14,
  tableFill: 17,
} as const;

/** Kinds of 0xFD (SIMD) immediates beyond `none`. */
export const SimdImm = {
  unknown: 0,
  none: 1,
  memarg: 2,
  bytes16: 3,
  lane: 4,
  memargLane: 5,
} as const;

/** Immediate kind of every 0xFD sub-opcode (index = sub-opcode, 0 to 0x113). */
export const FD_OPS: Uint8Array = buildSimd();

function buildSimd(): Uint8Array {
  const t = new Uint8Array(0x114).fill(SimdImm.none);
  for (let op = 0x00; op <= 0x0b; op++) t[op] = SimdImm.memarg; // v128.load*, v128.store
  t[0x0c] = SimdImm.bytes16; // v128.const
  t[0x0d] = SimdImm.bytes16; // i8x16.shuffle
  for (let op = 0x15; op <= 0x22; op++) t[op] = SimdImm.lane; // extract_lane / replace_lane
  for (let op = 0x54; op <= 0x5b; op++) t[op] = SimdImm.memargLane; // load*_lane / store*_lane
  t[0x5c] = SimdImm.memarg; // v128.load32_zero
  t[0x5d] = SimdImm.memarg; // v128.load64_zero
  // Unassigned in the SIMD opcode space.
  for (const gap of [0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]) {
    t[gap] = SimdImm.unknown;
  }
  return t;
}

/** 0xFE (threads) sub-opcodes: notify, wait32, wait64 and 0x10-0x4e take a memarg; 3 is atomic.fence (one 0x00 byte). */
export function atomicHasMemarg(sub: number): boolean {
  return sub <= 2 || (sub >= 0x10 && sub <= 0x4e);
}

/** The 0xFE sub-opcode `atomic.fence`. */
export const ATOMIC_FENCE = 0x03;

/** What a refused one-byte opcode belongs to, for the error message; `undefined` when unassigned. */
export function refusedOpcodeFeature(op: number): string | undefined {
  if ((op >= 0x06 && op <= 0x0a) || op === 0x18 || op === 0x19 || op === 0x1f) return "exception handling";
  if (op === 0x14 || op === 0x15 || (op >= 0xd3 && op <= 0xd6)) return "typed function references";
  if (op === 0xfb) return "garbage collection (GC)";
  return undefined;
}
