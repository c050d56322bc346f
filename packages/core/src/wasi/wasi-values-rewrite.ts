import { SectionId, encodeUleb, readSections, readUleb, wasmMalformed } from "../limits/wasm-sections.ts";

/** The WASI preview 1 namespace. */
const WASI_MODULE = "wasi_snapshot_preview1";
/**
 * Where the rewrite moves a plugin's WASI clock and random imports: a namespace the engine serves
 * itself, in every runtime and transport that runs the module, so that their values can be
 * recorded into a trace and served again on replay (docs/replay.md "WASI clock and random").
 */
export const WASI_VALUES_MODULE = "threadspace:wasi-values";
/** The WASI functions whose values a call reads from the outside world, moved to {@link WASI_VALUES_MODULE}. */
export const WASI_VALUE_FUNCTIONS: ReadonlySet<string> = new Set(["clock_time_get", "clock_res_get", "random_get"]);

const decoder = new TextDecoder();

/** Offset just past a LEB128 number (any width) at `pos`. */
function skipLeb(bytes: Uint8Array, pos: number, end: number, plugin?: string): number {
  while (pos < end && ((bytes[pos] as number) & 0x80) !== 0) pos++;
  if (pos >= end) throw wasmMalformed("an import's LEB128 number runs past its section", plugin);
  return pos + 1;
}

/** Offset just past limits (flags, min, max when flag bit 0 is set). */
function skipLimits(bytes: Uint8Array, pos: number, end: number, plugin?: string): number {
  const flags = bytes[pos] as number;
  pos = skipLeb(bytes, pos + 1, end, plugin);
  return (flags & 1) !== 0 ? skipLeb(bytes, pos, end, plugin) : pos;
}

/** Offset just past an import's descriptor (function, table, memory, global, tag). */
function skipDescriptor(bytes: Uint8Array, pos: number, end: number, plugin?: string): number {
  const kind = bytes[pos] as number;
  switch (kind) {
    case 0x00:
      return skipLeb(bytes, pos + 1, end, plugin);
    case 0x01: {
      // A reference type: one byte, or 0x63/0x64 and a heap type (typed references).
      const ref = bytes[pos + 1] as number;
      const after = ref === 0x63 || ref === 0x64 ? skipLeb(bytes, pos + 2, end, plugin) : pos + 2;
      return skipLimits(bytes, after, end, plugin);
    }
    case 0x02:
      return skipLimits(bytes, pos + 1, end, plugin);
    case 0x03: {
      const type = bytes[pos + 1] as number;
      const after = type === 0x63 || type === 0x64 ? skipLeb(bytes, pos + 2, end, plugin) : pos + 2;
      return after + 1; // mutability
    }
    case 0x04:
      return skipLeb(bytes, pos + 2, end, plugin); // attribute, type index
    default:
      throw wasmMalformed(`an import has an unknown kind 0x${kind.toString(16)}`, plugin);
  }
}

/**
 * The name `_initialize` gets in a routed module: Extism does not call it while it instantiates
 * (when the engine's WASI functions do not know the memory yet); the engine calls it once the
 * instance's memory is bound ({@link DEFERRED_INITIALIZE}).
 */
export const DEFERRED_INITIALIZE = "__threadspace_initialize";

/** A section's content with some byte ranges replaced, re-emitted with its new size. */
function replaceInSection(bytes: Uint8Array, section: { start: number; offset: number; end: number; id: number }, edits: readonly { from: number; to: number; bytes: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let copied = section.offset;
  for (const edit of edits) {
    parts.push(bytes.subarray(copied, edit.from), edit.bytes);
    copied = edit.to;
  }
  parts.push(bytes.subarray(copied, section.end));
  const contentLength = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const size = encodeUleb(contentLength);
  const out = new Uint8Array(bytes.byteLength - (section.end - section.start) + 1 + size.byteLength + contentLength);
  out.set(bytes.subarray(0, section.start), 0);
  let at = section.start;
  out[at++] = section.id;
  out.set(size, at);
  at += size.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  out.set(bytes.subarray(section.end), at);
  return out;
}

const nameBytes = (text: string): Uint8Array => {
  const name = new TextEncoder().encode(text);
  const length = encodeUleb(name.byteLength);
  const out = new Uint8Array(length.byteLength + name.byteLength);
  out.set(length, 0);
  out.set(name, length.byteLength);
  return out;
};

/**
 * Prepares a WASI module for the engine's own clock and random (docs/replay.md "WASI clock and
 * random"): moves its `wasi_snapshot_preview1` `clock_time_get`, `clock_res_get` and `random_get`
 * function imports to {@link WASI_VALUES_MODULE} (names and types unchanged, so no index moves),
 * and renames its `_initialize` export to {@link DEFERRED_INITIALIZE}, so that the engine runs it
 * once the WASI functions know the instance's memory. Nothing else changes. A module that imports
 * nothing from WASI comes back unchanged (the same array).
 *
 * @example
 * const routed = routeWasiValues(rewritten.bytes); // then WebAssembly.compile(routed)
 */
export function routeWasiValues(bytes: Uint8Array, plugin?: string): Uint8Array {
  const sections = readSections(bytes, { plugin });
  const section = sections.find((s) => s.id === SectionId.import);
  if (section === undefined) return bytes;
  const count = readUleb(bytes, section.offset, 32, plugin);
  const edits: { from: number; to: number; bytes: Uint8Array }[] = [];
  let pos = count.next;
  let wasi = false;
  for (let i = 0; i < count.value; i++) {
    const moduleLength = readUleb(bytes, pos, 32, plugin);
    const moduleStart = moduleLength.next;
    const moduleEnd = moduleStart + moduleLength.value;
    const nameLength = readUleb(bytes, moduleEnd, 32, plugin);
    const nameEnd = nameLength.next + nameLength.value;
    if (nameEnd > section.end) throw wasmMalformed("an import's name runs past its section", plugin);
    const entryEnd = skipDescriptor(bytes, nameEnd, section.end, plugin);
    if (decoder.decode(bytes.subarray(moduleStart, moduleEnd)) === WASI_MODULE) {
      wasi = true;
      if (bytes[nameEnd] === 0x00 && WASI_VALUE_FUNCTIONS.has(decoder.decode(bytes.subarray(nameLength.next, nameEnd)))) edits.push({ from: pos, to: moduleEnd, bytes: nameBytes(WASI_VALUES_MODULE) });
    }
    pos = entryEnd;
  }
  if (!wasi) return bytes;
  const exports = sections.find((s) => s.id === SectionId.export);
  const exportEdits: { from: number; to: number; bytes: Uint8Array }[] = [];
  if (exports !== undefined) {
    const exportCount = readUleb(bytes, exports.offset, 32, plugin);
    let at = exportCount.next;
    for (let i = 0; i < exportCount.value; i++) {
      const nameLength = readUleb(bytes, at, 32, plugin);
      const nameEnd = nameLength.next + nameLength.value;
      if (nameEnd >= exports.end) throw wasmMalformed("an export's name runs past its section", plugin);
      if (bytes[nameEnd] === 0x00 && decoder.decode(bytes.subarray(nameLength.next, nameEnd)) === "_initialize") exportEdits.push({ from: at, to: nameEnd, bytes: nameBytes(DEFERRED_INITIALIZE) });
      at = skipLeb(bytes, nameEnd + 1, exports.end, plugin);
    }
  }
  // The export section comes after the import section: edit it first, so the import section's offsets still hold.
  const withExports = exports === undefined || exportEdits.length === 0 ? bytes : replaceInSection(bytes, exports, exportEdits);
  return edits.length === 0 ? withExports : replaceInSection(withExports, section, edits);
}

/** Runs a routed module's deferred `_initialize` (see {@link DEFERRED_INITIALIZE}), when it has one. */
export function initializeDeferred(instance: WebAssembly.Instance): void {
  const init = instance.exports[DEFERRED_INITIALIZE];
  if (typeof init === "function") (init as () => void)();
}
