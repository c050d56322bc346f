import { SectionCursor as Cursor, cursorLabel as label } from "./section-cursor.ts";
import { SectionId, readSections, wasmMalformed, type WasmReadOptions, type WasmSection } from "./wasm-sections.ts";

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

/** A memory's limits with where they sit in the bytes, for rewriting them. */
export interface LocatedMemory {
  readonly limits: MemoryLimits;
  /** The import or memory section that declares it. */
  readonly section: WasmSection;
  /** Offset of the limits' flags byte. */
  readonly flagsOffset: number;
  /** Offset just past the initial size. */
  readonly initialEnd: number;
  /** Offset just past the whole memory type (maximum and page size included). */
  readonly end: number;
}

/** Memory limits flags: bit 0 has-maximum, bit 1 shared, bit 2 memory64, bit 3 custom page size. */
export const LIMITS_HAS_MAX = 0x01;
export const LIMITS_SHARED = 0x02;
export const LIMITS_MEMORY64 = 0x04;
export const LIMITS_PAGE_SIZE = 0x08;

const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;
/** `(ref null ht)` and `(ref ht)`: a heap type (s33) follows. */
const REF_TYPE_PREFIXES = new Set([0x63, 0x64]);

function skipValueType(cursor: Cursor): void {
  if (REF_TYPE_PREFIXES.has(cursor.u8())) cursor.skipSleb33();
}

function skipTableType(cursor: Cursor): void {
  skipValueType(cursor);
  const flags = cursor.u8();
  if ((flags & ~0x05) !== 0) throw wasmMalformed(`unknown table limits flags 0x${flags.toString(16)} at byte ${cursor.pos - 1}`, cursor.plugin);
  const bits = (flags & 0x04) !== 0 ? 64 : 32;
  cursor.uleb(bits);
  if ((flags & 0x01) !== 0) cursor.uleb(bits);
}

function readMemoryType(cursor: Cursor, index: number, from: MemoryLimits["import"]): LocatedMemory {
  const flagsOffset = cursor.pos;
  const flags = cursor.u8();
  if ((flags & ~0x0f) !== 0) throw wasmMalformed(`unknown memory limits flags 0x${flags.toString(16)} at byte ${flagsOffset}`, cursor.plugin);
  const memory64 = (flags & LIMITS_MEMORY64) !== 0;
  const bits = memory64 ? 64 : 32;
  const initialPages = cursor.uleb(bits);
  const initialEnd = cursor.pos;
  const maximumPages = (flags & LIMITS_HAS_MAX) !== 0 ? cursor.uleb(bits) : undefined;
  let pageBytes = WASM_PAGE_BYTES;
  if ((flags & LIMITS_PAGE_SIZE) !== 0) {
    const log2 = cursor.uleb(32);
    if (log2 > 16) throw wasmMalformed(`a page size of 2^${log2} bytes is not allowed (at byte ${flagsOffset})`, cursor.plugin);
    pageBytes = 2 ** log2;
  }
  const limits = { index, import: from, initialPages, maximumPages, shared: (flags & LIMITS_SHARED) !== 0, memory64, pageBytes };
  return { limits, section: cursor.section, flagsOffset, initialEnd, end: cursor.pos };
}

function describeImport(cursor: Cursor, module: readonly [number, number], name: readonly [number, number]): string {
  return `import "${cursor.text(module)}" "${cursor.text(name)}"`;
}

function readImports(cursor: Cursor, memories: LocatedMemory[]): void {
  const count = cursor.uleb(32);
  // Every import takes at least 3 bytes, so the loop is bounded by the section's size.
  for (let i = 0; i < count; i++) {
    const module = cursor.name();
    const name = cursor.name();
    const kind = cursor.u8();
    if (kind === KIND_FUNCTION) cursor.uleb(32);
    else if (kind === KIND_TABLE) skipTableType(cursor);
    else if (kind === KIND_MEMORY) memories.push(readMemoryType(cursor, memories.length, { module: cursor.text(module), name: cursor.text(name) }));
    else if (kind === KIND_GLOBAL) {
      skipValueType(cursor);
      const mutability = cursor.u8();
      if (mutability > 1) throw wasmMalformed(`${describeImport(cursor, module, name)} has an unknown global mutability 0x${mutability.toString(16)}`, cursor.plugin);
    } else if (kind === KIND_TAG) {
      cursor.u8();
      cursor.uleb(32);
    } else throw wasmMalformed(`${describeImport(cursor, module, name)} has unknown kind 0x${kind.toString(16)}`, cursor.plugin);
  }
}

function checkEnd(cursor: Cursor): void {
  if (cursor.pos !== cursor.section.end) {
    throw wasmMalformed(`the ${label(cursor.section)} does not end where its size says (it ends at byte ${cursor.pos}, its size says ${cursor.section.end})`, cursor.plugin);
  }
}

/**
 * Every linear memory of a module (imported and defined, in index order) with its limits and
 * where they are in the bytes. Reads the section list strictly ({@link readSections}) and
 * decodes the import and memory sections; the others are skipped by size. Throws `wasm_invalid`.
 */
export function locateMemories(bytes: Uint8Array, options: WasmReadOptions = {}): LocatedMemory[] {
  const memories: LocatedMemory[] = [];
  for (const section of readSections(bytes, options)) {
    if (section.id !== SectionId.import && section.id !== SectionId.memory) continue;
    const cursor = new Cursor(bytes, section, options.plugin);
    if (section.id === SectionId.import) readImports(cursor, memories);
    else {
      const count = cursor.uleb(32);
      for (let i = 0; i < count; i++) memories.push(readMemoryType(cursor, memories.length, undefined));
    }
    checkEnd(cursor);
  }
  return memories;
}

/**
 * Reads every linear memory of a WebAssembly module binary (imported and defined, in index
 * order) with its limits, which `WebAssembly.Module` does not expose. Throws `wasm_invalid` for
 * bytes that are not a well-formed module.
 *
 * @example
 * readMemoryLimits(bytes) // [{ index: 0, import: undefined, initialPages: 1, maximumPages: 16, ... }]
 */
export function readMemoryLimits(bytes: Uint8Array, options: WasmReadOptions = {}): MemoryLimits[] {
  return locateMemories(bytes, options).map((m) => m.limits);
}
