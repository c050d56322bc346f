import { ATOMIC_FENCE, FC_OPS, FD_OPS, Imm, ONE_BYTE, SimdImm, atomicHasMemarg, refusedOpcodeFeature } from "./opcodes.ts";
import { malformedAt, unsupportedAt, type CodeLocation } from "./wasm-error.ts";

/** What the reader needs to know about the module around a function body. */
export interface ReaderContext extends CodeLocation {
  /** The module has a memory64 memory: memarg offsets are u64 (up to 10 LEB128 bytes). */
  readonly memory64?: boolean | undefined;
}

/** Value types a block type, `select t*` or local may use without GC or typed function references. */
export function isPlainValueType(byte: number): boolean {
  return byte === 0x7f || byte === 0x7e || byte === 0x7d || byte === 0x7c || byte === 0x7b || byte === 0x70 || byte === 0x6f;
}

/**
 * Decodes the instructions of one function body (or constant expression), one at a time,
 * without allocating: after {@link next}, the fields describe the instruction just read.
 * Every read is bounds-checked against `end`; anything it cannot decode ends in a
 * `wasm_invalid` ThreadspaceError naming the function and the byte.
 *
 * @example
 * const r = new InstructionReader(bytes, bodyStart, bodyEnd, { funcIndex: 3 });
 * while (!r.done) { r.next(); if (r.op === 0x10) console.log("call", r.a); }
 */
export class InstructionReader {
  /** Offset of the next instruction. */
  pos: number;
  /** Offset where the current instruction starts. */
  start = 0;
  /** Its first byte (0xFC, 0xFD and 0xFE are prefixes: see {@link sub}). */
  op = 0;
  /** Sub-opcode of a prefixed instruction; -1 otherwise. */
  sub = -1;
  /** First index immediate: function (call, return_call, ref.func), memory, table, data or element index. */
  a = 0;
  /** Second index immediate (memory.copy's source, table.copy's source, call_indirect's table, memory.init's memory). */
  b = 0;
  /** Offset where the index immediate `a` starts (to rewrite it). */
  aStart = 0;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly ctx: ReaderContext,
  ) {
    this.pos = start;
  }

  /** True when every byte up to `end` has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads the next instruction. */
  next(): void {
    const start = this.pos;
    this.start = start;
    this.sub = -1;
    const op = this.byte();
    this.op = op;
    switch (ONE_BYTE[op]) {
      case Imm.none:
        return;
      case Imm.blockType:
        return this.blockType();
      case Imm.u32:
        this.a = this.u32();
        return;
      case Imm.brTable: {
        const count = this.u32();
        // Each label takes at least one byte: a count past the body's end is caught by the reads.
        for (let i = 0; i <= count; i++) this.u32();
        return;
      }
      case Imm.funcIndex:
        this.aStart = this.pos;
        this.a = this.u32();
        return;
      case Imm.twoU32:
        this.a = this.u32();
        this.b = this.u32();
        return;
      case Imm.selectTyped: {
        const count = this.u32();
        if (count !== 1) throw malformedAt(this.ctx, start, `select takes exactly one result type (it names ${count})`);
        const type = this.byte();
        if (!isPlainValueType(type)) throw this.typeError(this.pos - 1, type);
        return;
      }
      case Imm.memarg:
        return this.memarg();
      case Imm.memIndex:
        this.a = this.u32();
        return;
      case Imm.i32:
        return this.skipLeb(5, "i32.const");
      case Imm.i64:
        return this.skipLeb(10, "i64.const");
      case Imm.f32:
        return this.skipBytes(4);
      case Imm.f64:
        return this.skipBytes(8);
      case Imm.heapType: {
        const type = this.byte();
        if (type !== 0x70 && type !== 0x6f) throw this.typeError(this.pos - 1, type);
        return;
      }
      case Imm.prefixFC:
        return this.prefixFC();
      case Imm.prefixFD:
        return this.prefixFD();
      case Imm.prefixFE:
        return this.prefixFE();
      default: {
        const feature = refusedOpcodeFeature(op);
        if (feature !== undefined) throw unsupportedAt(this.ctx, start, `opcode 0x${hex(op)} (${feature})`);
        throw malformedAt(this.ctx, start, `unknown opcode 0x${hex(op)}`);
      }
    }
  }

  private prefixFC(): void {
    const sub = this.u32();
    this.sub = sub;
    const kind = FC_OPS[sub];
    if (kind === Imm.none) return;
    if (kind === Imm.u32) {
      this.a = this.u32();
      return;
    }
    if (kind === Imm.twoU32) {
      this.a = this.u32();
      this.b = this.u32();
      return;
    }
    throw malformedAt(this.ctx, this.start, `unknown opcode 0xfc ${sub}`);
  }

  private prefixFD(): void {
    const sub = this.u32();
    this.sub = sub;
    switch (FD_OPS[sub]) {
      case SimdImm.none:
        return;
      case SimdImm.memarg:
        return this.memarg();
      case SimdImm.bytes16:
        return this.skipBytes(16);
      case SimdImm.lane:
        this.byte();
        return;
      case SimdImm.memargLane:
        this.memarg();
        this.byte();
        return;
      default:
        throw malformedAt(this.ctx, this.start, `unknown SIMD opcode 0xfd ${sub}`);
    }
  }

  private prefixFE(): void {
    const sub = this.u32();
    this.sub = sub;
    if (sub === ATOMIC_FENCE) {
      if (this.byte() !== 0) throw malformedAt(this.ctx, this.pos - 1, "atomic.fence takes a 0x00 byte");
      return;
    }
    if (!atomicHasMemarg(sub)) throw malformedAt(this.ctx, this.start, `unknown atomic opcode 0xfe ${sub}`);
    this.memarg();
  }

  /** align (bit 6: a memory index follows), [memory index], offset. */
  private memarg(): void {
    const align = this.u32();
    this.a = align & 0x40 ? this.u32() : 0;
    this.skipLeb(this.ctx.memory64 ? 10 : 5, "memory offset");
  }

  private blockType(): void {
    const first = this.bytes[this.pos];
    if (first === 0x40 || (first !== undefined && isPlainValueType(first))) {
      this.pos++;
      return;
    }
    if (first !== undefined && (first & 0xc0) === 0x40) throw this.typeError(this.pos, first);
    // A type index (multi-value), encoded as a non-negative s33.
    this.skipLeb(5, "block type");
  }

  private typeError(offset: number, type: number): Error {
    if (type === 0x63 || type === 0x64) return unsupportedAt(this.ctx, offset, `a reference type 0x${hex(type)} (typed function references)`);
    if (type >= 0x65 && type <= 0x74) return unsupportedAt(this.ctx, offset, `the heap type 0x${hex(type)} (garbage collection)`);
    return malformedAt(this.ctx, offset, `unknown value type 0x${hex(type)}`);
  }

  private byte(): number {
    if (this.pos >= this.end) throw malformedAt(this.ctx, this.pos, "the code ends in the middle of an instruction");
    return this.bytes[this.pos++] as number;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  private u32(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && b > 0x0f) throw malformedAt(this.ctx, this.pos - 5, "an integer is longer than 32 bits");
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    /* c8 ignore next */
    throw malformedAt(this.ctx, this.pos, "an integer is longer than 32 bits");
  }

  /** Skips a LEB128 (signed or unsigned) of at most `maxBytes` bytes. */
  private skipLeb(maxBytes: number, what: string): void {
    const from = this.pos;
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw malformedAt(this.ctx, from, `the ${what} is longer than ${maxBytes} bytes`);
  }

  private skipBytes(count: number): void {
    if (this.pos + count > this.end) throw malformedAt(this.ctx, this.pos, "the code ends in the middle of an instruction");
    this.pos += count;
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}
