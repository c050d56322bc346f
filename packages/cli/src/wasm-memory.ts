import { ThreadspaceError } from "@threadspace/errors";

/** Bytes in a WebAssembly page unless the module asks for another size (custom-page-sizes). */
export const WASM_PAGE_BYTES = 65_536;

/** One linear memory of a module and its limits, as the binary declares them. */
export interface MemoryLimits {
  /** Memory index: imported memories come first, then the memory section's. */
  readonly index: number;
  /** Where an imported memory comes from; `undefined` for a memory the module defines. */
  readonly import: { readonly module: string; readonly name: string } | undefined;
  /** Pages the memory starts with. */
  readonly initialPages: number;
  /** Pages it may grow to; `undefined` when the module sets no maximum. */
  readonly maximumPages: number | undefined;
  /** Shared between threads (threads proposal). */
  readonly shared: boolean;
  /** Indexed with i64 (memory64 proposal). */
  readonly memory64: boolean;
  /** Bytes in one page: 65536 unless the custom-page-sizes proposal says otherwise. */
  readonly pageBytes: number;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;
/** `(ref null ht)` and `(ref ht)`: a heap type (s33) follows. */
const REF_TYPE_PREFIXES = new Set([0x63, 0x64]);

function malformed(message: string): ThreadspaceError {
  return new ThreadspaceError("wasm_invalid", `cannot read the module's memories: ${message}. Is the file a complete WebAssembly module?`);
}

/** A cursor over the binary; every read is bounds-checked. */
class Reader {
  pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.byteLength;
  }

  u8(): number {
    const byte = this.bytes[this.pos];
    if (byte === undefined) throw malformed(`it ends early (at byte ${this.pos})`);
    this.pos++;
    return byte;
  }

  /** An unsigned LEB128 of at most `maxBits` bits, as a number (refusing values above 2^53). */
  uleb(maxBits: 32 | 64): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    const maxBytes = Math.ceil(maxBits / 7);
    for (let count = 1; ; count++) {
      if (count > maxBytes) throw malformed(`the integer at byte ${start} is longer than ${maxBits} bits`);
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
    }
    if (!Number.isSafeInteger(value) || (maxBits === 32 && value > 0xffff_ffff)) throw malformed(`the integer at byte ${start} is too large`);
    return value;
  }

  /** Skips a signed LEB128 (a heap type). */
  skipSleb(): void {
    for (let count = 0; count < 10; count++) if ((this.u8() & 0x80) === 0) return;
    throw malformed(`the integer at byte ${this.pos} is too long`);
  }

  name(): string {
    const length = this.uleb(32);
    const end = this.pos + length;
    if (end > this.bytes.byteLength) throw malformed(`a name at byte ${this.pos} runs past the end`);
    const text = new TextDecoder("utf-8", { fatal: false }).decode(this.bytes.subarray(this.pos, end));
    this.pos = end;
    return text;
  }
}

function skipValueType(reader: Reader): void {
  if (REF_TYPE_PREFIXES.has(reader.u8())) reader.skipSleb();
}

function skipTableType(reader: Reader): void {
  skipValueType(reader);
  const flags = reader.u8();
  if ((flags & ~0x05) !== 0) throw malformed(`unknown table limits flags 0x${flags.toString(16)}`);
  const bits = (flags & 0x04) !== 0 ? 64 : 32;
  reader.uleb(bits);
  if ((flags & 0x01) !== 0) reader.uleb(bits);
}

function readMemoryType(reader: Reader, index: number, from: MemoryLimits["import"]): MemoryLimits {
  const flags = reader.u8();
  if ((flags & ~0x0f) !== 0) throw malformed(`unknown memory limits flags 0x${flags.toString(16)}`);
  const memory64 = (flags & 0x04) !== 0;
  const bits = memory64 ? 64 : 32;
  const initialPages = reader.uleb(bits);
  const maximumPages = (flags & 0x01) !== 0 ? reader.uleb(bits) : undefined;
  let pageBytes = WASM_PAGE_BYTES;
  if ((flags & 0x08) !== 0) {
    const log2 = reader.uleb(32);
    if (log2 > 16) throw malformed(`a page size of 2^${log2} bytes is not allowed`);
    pageBytes = 2 ** log2;
  }
  return { index, import: from, initialPages, maximumPages, shared: (flags & 0x02) !== 0, memory64, pageBytes };
}

function readImports(reader: Reader, memories: MemoryLimits[]): void {
  const count = reader.uleb(32);
  for (let i = 0; i < count; i++) {
    const module = reader.name();
    const name = reader.name();
    const kind = reader.u8();
    if (kind === KIND_FUNCTION) reader.uleb(32);
    else if (kind === KIND_TABLE) skipTableType(reader);
    else if (kind === KIND_MEMORY) memories.push(readMemoryType(reader, memories.length, { module, name }));
    else if (kind === KIND_GLOBAL) {
      skipValueType(reader);
      reader.u8();
    } else if (kind === KIND_TAG) {
      reader.u8();
      reader.uleb(32);
    } else throw malformed(`import "${module}" "${name}" has unknown kind 0x${kind.toString(16)}`);
  }
}

/**
 * Reads every linear memory of a WebAssembly module binary (imported and defined, in index
 * order) with its limits, which `WebAssembly.Module` does not expose. Only the import and memory
 * sections are decoded; the others are skipped by size. Throws `wasm_invalid` for bytes that are
 * not a well-formed module.
 *
 * @example
 * readMemoryLimits(bytes) // [{ index: 0, import: undefined, initialPages: 1, maximumPages: 16, ... }]
 */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits[] {
  if (bytes.byteLength < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw malformed(`it does not start with the WebAssembly magic "00 61 73 6d"`);
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw malformed("it is not a version 1 module (a component, or a future format)");
  const reader = new Reader(bytes);
  reader.pos = 8;
  const memories: MemoryLimits[] = [];
  while (!reader.done) {
    const id = reader.u8();
    const size = reader.uleb(32);
    const end = reader.pos + size;
    if (end > bytes.byteLength) throw malformed(`section ${id} at byte ${reader.pos} runs past the end of the file`);
    if (id === SECTION_IMPORT) readImports(reader, memories);
    else if (id === SECTION_MEMORY) {
      const count = reader.uleb(32);
      for (let i = 0; i < count; i++) memories.push(readMemoryType(reader, memories.length, undefined));
    }
    if (id === SECTION_IMPORT || id === SECTION_MEMORY) {
      if (reader.pos !== end) throw malformed(`section ${id} does not end where its size says (byte ${end})`);
    }
    reader.pos = end;
  }
  return memories;
}
