import { encodeUleb, ulebLength, wasmMalformed, type WasmSection } from "./wasm-sections.ts";

/** A replacement of bytes `[start, end)` inside one section. */
export interface SectionPatch {
  readonly section: WasmSection;
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

/**
 * The patch that sets the maximum of a memory or table limits (flags byte at `flagsOffset`,
 * initial size up to `initialEnd`, old maximum up to `maxEnd`, equal to `initialEnd` when there
 * was none): sets the has-maximum flag, keeps the initial size's bytes, and writes `maximum`
 * in at least as many LEB128 bytes as the old one took (so lowering it changes only its bytes).
 */
export function maximumPatch(bytes: Uint8Array, section: WasmSection, flagsOffset: number, initialEnd: number, maxEnd: number, maximum: number): SectionPatch {
  const oldWidth = maxEnd - initialEnd;
  const newMax = encodeUleb(maximum, Math.max(ulebLength(maximum), oldWidth));
  const out = new Uint8Array(1 + (initialEnd - flagsOffset - 1) + newMax.byteLength);
  out[0] = (bytes[flagsOffset] as number) | 0x01;
  out.set(bytes.subarray(flagsOffset + 1, initialEnd), 1);
  out.set(newMax, initialEnd - flagsOffset);
  return { section, start: flagsOffset, end: maxEnd, bytes: out };
}

/**
 * Applies patches (sorted, non-overlapping, all inside `section`) to a copy of the module,
 * re-encoding the section's size in at least as many bytes as before. Every byte outside the
 * patches and the size field stays as it was.
 */
export function applySectionPatches(bytes: Uint8Array, section: WasmSection, patches: readonly SectionPatch[], plugin: string | undefined): Uint8Array {
  const growth = patches.reduce((sum, p) => sum + p.bytes.byteLength - (p.end - p.start), 0);
  const newSize = section.size + growth;
  if (newSize > 0xffff_ffff) throw wasmMalformed(`section ${section.id} would exceed 4 GiB`, plugin);
  const sizeField = encodeUleb(newSize, Math.max(ulebLength(newSize), section.sizeWidth));
  const out = new Uint8Array(bytes.byteLength + growth + (sizeField.byteLength - section.sizeWidth));
  let at = 0;
  const put = (chunk: Uint8Array): void => {
    out.set(chunk, at);
    at += chunk.byteLength;
  };
  put(bytes.subarray(0, section.start + 1));
  put(sizeField);
  let copied = section.offset;
  for (const p of patches) {
    put(bytes.subarray(copied, p.start));
    put(p.bytes);
    copied = p.end;
  }
  put(bytes.subarray(copied));
  return out;
}
