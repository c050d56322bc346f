import { readUlebWithin } from "../limits/wasm-sections.ts";
import { ByteWriter } from "./byte-writer.ts";
import type { Renumber } from "./index-sections.ts";

/** Subsections of the `name` section that index functions. */
const FUNCTION_NAMES = 1;
const LOCAL_NAMES = 2;
const LABEL_NAMES = 3;

/**
 * Writes the content of the `name` custom section (`[start, end)`: after the section's own
 * name) with function indices renumbered in the function, local and label subsections, and
 * label indices moved past the `if`s the rewrite inserted (`labelShifts(old function index)`).
 * Other subsections are copied as they are. Throws when the section is malformed (the
 * caller then drops it: engines ignore a bad name section, so the module stays valid).
 */
export function rewriteNameSection(
  w: ByteWriter,
  bytes: Uint8Array,
  start: number,
  end: number,
  renumber: Renumber,
  labelShifts: (funcIndex: number) => readonly number[] | undefined,
): void {
  let pos = start;
  const u32 = (limit: number): number => {
    const { value, next } = readUlebWithin(bytes, pos, limit, 32, undefined);
    pos = next;
    return value;
  };
  const copyName = (w: ByteWriter, limit: number): void => {
    const from = pos;
    const length = u32(limit);
    if (pos + length > limit) throw new RangeError("a name runs past its subsection");
    pos += length;
    w.range(bytes, from, pos);
  };
  const nameMap = (w: ByteWriter, limit: number, mapIndex: (index: number) => number): void => {
    const count = u32(limit);
    w.uleb(count);
    for (let i = 0; i < count; i++) {
      w.uleb(mapIndex(u32(limit)));
      copyName(w, limit);
    }
  };
  while (pos < end) {
    const id = bytes[pos++] as number;
    const size = u32(end);
    const subEnd = pos + size;
    if (subEnd > end) throw new RangeError("a name subsection runs past the section");
    if (id !== FUNCTION_NAMES && id !== LOCAL_NAMES && id !== LABEL_NAMES) {
      w.u8(id);
      w.uleb(size);
      w.range(bytes, pos, subEnd);
      pos = subEnd;
      continue;
    }
    const sub = new ByteWriter(size + 16);
    if (id === FUNCTION_NAMES) nameMap(sub, subEnd, renumber);
    else {
      const count = u32(subEnd);
      sub.uleb(count);
      for (let i = 0; i < count; i++) {
        const func = u32(subEnd);
        sub.uleb(renumber(func));
        const shifts = id === LABEL_NAMES ? labelShifts(func) : undefined;
        nameMap(sub, subEnd, (label) => label + (shifts?.[label] ?? 0));
      }
    }
    if (pos !== subEnd) throw new RangeError("a name subsection does not end where its size says");
    w.u8(id);
    w.uleb(sub.length);
    w.range(sub.view(), 0, sub.length);
  }
}
