import { ThreadspaceError } from "@threadspace/errors";

/**
 * A small, strict reader of a WebAssembly module's framing: the header, the list of sections
 * (id, where it is, how big) and LEB128 integers. Every read is bounds-checked and every loop
 * consumes at least one byte per turn, so hostile bytes end in a `wasm_invalid`
 * {@link ThreadspaceError}: never an out-of-bounds read, a hang or another kind of exception.
 * Section contents are not decoded here (see wasm-memories.ts for the import and memory sections).
 */

/** The first four bytes of every module: `\0asm`. */
export const WASM_MAGIC: readonly number[] = [0x00, 0x61, 0x73, 0x6d];
/** Length of the header (magic + version). */
export const WASM_HEADER_BYTES = 8;

/** Section ids of the core spec and the proposals engines ship (tags: exception handling). */
export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/**
 * The order non-custom sections must appear in (each at most once). Note that `tag` (13) sits
 * between memory and global, and `dataCount` (12) before code.
 */
const SECTION_ORDER: readonly number[] = [
  SectionId.type,
  SectionId.import,
  SectionId.function,
  SectionId.table,
  SectionId.memory,
  SectionId.tag,
  SectionId.global,
  SectionId.export,
  SectionId.start,
  SectionId.element,
  SectionId.dataCount,
  SectionId.code,
  SectionId.data,
];

const SECTION_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(SectionId).map(([name, id]) => [id, name]));

/** A readable name for a section id, e.g. `memory section (5)`. */
export function sectionLabel(id: number): string {
  const name = SECTION_NAMES[id];
  return name === undefined ? `section ${id}` : `${name} section (${id})`;
}

/** One section of a module, located in its bytes. */
export interface WasmSection {
  /** The section id (0 = custom, 1 = type, 2 = import, 5 = memory, ...). */
  readonly id: number;
  /** Offset of the section's id byte. */
  readonly start: number;
  /** Offset of the first content byte (after the id and the size). */
  readonly offset: number;
  /** Content bytes, as the section's size field says. */
  readonly size: number;
  /** Offset just past the content (`offset + size`): where the next section starts. */
  readonly end: number;
  /** Bytes the size field takes (1 to 5; more than needed when a toolchain padded it). */
  readonly sizeWidth: number;
}

/** Options of the readers: the plugin named in errors. */
export interface WasmReadOptions {
  readonly plugin?: string | undefined;
}

/** The error for bytes that are not a well-formed module. */
export function wasmMalformed(message: string, plugin?: string): ThreadspaceError {
  return new ThreadspaceError("wasm_invalid", `the WebAssembly module is malformed: ${message}. Is the file a complete module, built by a current toolchain?`, { plugin });
}

/** An unsigned LEB128 read from bytes: its value, and the offset just past it. */
export interface Leb {
  readonly value: number;
  /** Offset of the byte after the integer. */
  readonly next: number;
}

/**
 * Reads an unsigned LEB128 of at most `bits` bits at `offset`, as the spec encodes u32 and u64:
 * at most ceil(bits/7) bytes, and the unused high bits of the last byte must be zero. u64 values
 * above 2^53 - 1 are refused (a JavaScript number cannot hold them exactly). Throws `wasm_invalid`.
 *
 * @example
 * readUleb(new Uint8Array([0xe5, 0x8e, 0x26]), 0) // { value: 624485, next: 3 }
 */
export function readUleb(bytes: Uint8Array, offset: number, bits: 32 | 64 = 32, plugin?: string): Leb {
  return readUlebWithin(bytes, offset, bytes.byteLength, bits, plugin);
}

/** {@link readUleb} that treats `end` (at most the length) as the end of the bytes: for reading inside one section. */
export function readUlebWithin(bytes: Uint8Array, offset: number, end: number, bits: 32 | 64, plugin: string | undefined): Leb {
  const maxBytes = bits === 32 ? 5 : 10;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < maxBytes; i++) {
    const byte = offset + i < end ? bytes[offset + i] : undefined;
    if (byte === undefined) throw wasmMalformed(`it ends early (inside the integer at byte ${offset + i})`, plugin);
    if (i === maxBytes - 1) {
      if ((byte & 0x80) !== 0) throw wasmMalformed(`the integer at byte ${offset} is longer than ${bits} bits (${maxBytes} bytes)`, plugin);
      // The last allowed byte may only carry the bits that are left: 4 of a u32, 1 of a u64.
      const spare = bits - 7 * (maxBytes - 1);
      if (byte >= 1 << spare) throw wasmMalformed(`the integer at byte ${offset} is too large: it does not fit in ${bits} bits`, plugin);
    }
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) throw wasmMalformed(`the integer at byte ${offset} is too large (above 2^53 - 1)`, plugin);
      return { value, next: offset + i + 1 };
    }
    scale *= 128;
  }
  // Unreachable: the last allowed byte either ends the integer or throws above.
  throw wasmMalformed(`the integer at byte ${offset} is longer than ${bits} bits (${maxBytes} bytes)`, plugin);
}

/** Bytes the shortest LEB128 encoding of `value` takes. */
export function ulebLength(value: number): number {
  checkEncodable(value);
  let length = 1;
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) length++;
  return length;
}

function checkEncodable(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`LEB128 encodes whole numbers from 0 to 2^53 - 1; got ${value}`);
}

/**
 * Encodes `value` as an unsigned LEB128. With `width`, pads it to that many bytes (0x80
 * continuation bytes, a valid non-canonical form) so that a rewritten field can keep the size
 * of the one it replaces; the width must fit the value and stay within 10 bytes.
 *
 * @example
 * encodeUleb(624485)    // Uint8Array [0xe5, 0x8e, 0x26]
 * encodeUleb(1, 5)      // Uint8Array [0x81, 0x80, 0x80, 0x80, 0x00]
 */
export function encodeUleb(value: number, width?: number): Uint8Array {
  const needed = ulebLength(value);
  const length = width ?? needed;
  if (!Number.isInteger(length) || length < needed || length > 10) {
    throw new RangeError(`cannot encode ${value} in ${length} LEB128 bytes (it needs ${needed}, at most 10)`);
  }
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = 0; i < length; i++) {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out[i] = i === length - 1 ? low : low | 0x80;
  }
  return out;
}

/**
 * What bytes that are not a WebAssembly module look like, without quoting them (a file's
 * contents never appear in an error: it may not be the plugin's own file).
 */
export function describeNotWasm(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return "it is empty";
  const head = bytes.subarray(0, 512);
  const text = head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f));
  if (!text) return "it is binary data of another kind";
  const start = new TextDecoder().decode(head).trimStart();
  if (start.startsWith("(module") || start.startsWith(";;")) return "it is WebAssembly text (.wat), which must be compiled first";
  return "it is text";
}

/** Checks the magic and the version; throws `wasm_invalid` with what the bytes look like instead. */
export function checkHeader(bytes: Uint8Array, plugin?: string): void {
  if (bytes.byteLength < WASM_HEADER_BYTES || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw wasmMalformed(`it does not start with the WebAssembly magic "00 61 73 6d" (${describeNotWasm(bytes)})`, plugin);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    const component = bytes[6] === 1 && bytes[7] === 0;
    throw wasmMalformed(component ? "it is a component (component model), not a version 1 core module" : "it is not a version 1 module", plugin);
  }
}

/**
 * Lists the sections of a module. Checks the header, that every section fits in the bytes,
 * that known sections come in the spec's order at most once each, that custom sections start
 * with a name that fits, and refuses unknown section ids (no engine would compile them).
 * Contents are not decoded. Throws `wasm_invalid`.
 *
 * @example
 * readSections(bytes) // [{ id: 1, start: 8, offset: 10, size: 4, end: 14, sizeWidth: 1 }, ...]
 */
export function readSections(bytes: Uint8Array, options: WasmReadOptions = {}): WasmSection[] {
  const { plugin } = options;
  checkHeader(bytes, plugin);
  const sections: WasmSection[] = [];
  let rank = -1;
  let pos = WASM_HEADER_BYTES;
  while (pos < bytes.byteLength) {
    const start = pos;
    const id = bytes[pos] as number;
    const size = readUleb(bytes, pos + 1, 32, plugin);
    const offset = size.next;
    const end = offset + size.value;
    if (end > bytes.byteLength) {
      throw wasmMalformed(`the ${sectionLabel(id)} at byte ${start} runs past the end of the file: it says it holds ${size.value} bytes but only ${bytes.byteLength - offset} remain (is the file cut short?)`, plugin);
    }
    if (id === SectionId.custom) {
      const name = readUleb(bytes, offset, 32, plugin);
      if (name.next > end || name.next + name.value > end) throw wasmMalformed(`the name of the custom section at byte ${start} runs past the section's end`, plugin);
    } else {
      const order = SECTION_ORDER.indexOf(id);
      if (order < 0) throw wasmMalformed(`unknown section id ${id} at byte ${start}`, plugin);
      if (order <= rank) {
        const again = sections.some((s) => s.id === id);
        throw wasmMalformed(again ? `the ${sectionLabel(id)} appears twice (again at byte ${start})` : `the ${sectionLabel(id)} at byte ${start} is out of order`, plugin);
      }
      rank = order;
    }
    sections.push({ id, start, offset, size: size.value, end, sizeWidth: offset - start - 1 });
    pos = end;
  }
  return sections;
}
