import { SectionCursor } from "../limits/section-cursor.ts";
import { wasmMalformed, type WasmSection } from "../limits/wasm-sections.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { copyConstExpr } from "./const-expr.ts";
import { isPlainValueType } from "./instruction-reader.ts";
import { unsupportedAt } from "./wasm-error.ts";

/** Renumbers a function index. */
export type Renumber = (index: number) => number;


/** Writes the global section's content with every `ref.func` renumbered and `extra` globals' bytes appended. */
export function rewriteGlobals(w: ByteWriter, bytes: Uint8Array, section: WasmSection | undefined, plugin: string | undefined, renumber: Renumber, extra: readonly number[][]): void {
  if (section === undefined) {
    w.uleb(extra.length);
    for (const g of extra) w.bytes(g);
    return;
  }
  const c = new SectionCursor(bytes, section, plugin);
  const count = c.uleb(32);
  w.uleb(count + extra.length);
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const type = c.u8();
    if (!isPlainValueType(type)) throw unsupportedAt({ plugin }, start, `global ${i} has a type 0x${type.toString(16)} outside the supported proposals`);
    c.u8(); // mutability
    w.range(bytes, start, c.pos);
    c.pos = copyConstExpr(w, bytes, c.pos, section.end, { plugin }, renumber);
  }
  if (c.pos !== section.end) throw wasmMalformed(`the global section does not end where its size says`, plugin);
  for (const g of extra) w.bytes(g);
}

/** Writes the export section's content with function exports renumbered and `extra` exports appended; refuses a name that clashes with an added one. */
export function rewriteExports(
  w: ByteWriter,
  bytes: Uint8Array,
  section: WasmSection | undefined,
  plugin: string | undefined,
  renumber: Renumber,
  extra: readonly { name: string; kind: number; index: number }[],
): void {
  const entries: { start: number; end: number; kind: number; index: number; indexStart: number }[] = [];
  if (section !== undefined) {
    const c = new SectionCursor(bytes, section, plugin);
    const count = c.uleb(32);
    for (let i = 0; i < count; i++) {
      const start = c.pos;
      const name = c.name();
      const kind = c.u8();
      const indexStart = c.pos;
      const index = c.uleb(32);
      if (kind > 4) throw wasmMalformed(`export ${i} at byte ${start} has unknown kind ${kind}`, plugin);
      if (kind === 4) throw unsupportedAt({ plugin }, start, `export "${c.text(name)}" is a tag (exception handling)`);
      const text = c.text(name);
      if (extra.some((e) => e.name === text)) {
        throw wasmMalformed(`it already exports "${text}", a name the metering rewrite adds (is it metered already? Meter the original module)`, plugin);
      }
      entries.push({ start, end: c.pos, kind, index, indexStart });
    }
    if (c.pos !== section.end) throw wasmMalformed(`the export section does not end where its size says`, plugin);
  }
  w.uleb(entries.length + extra.length);
  for (const e of entries) {
    if (e.kind !== 0) {
      w.range(bytes, e.start, e.end);
      continue;
    }
    w.range(bytes, e.start, e.indexStart);
    w.uleb(renumber(e.index));
  }
  for (const e of extra) {
    w.name(e.name);
    w.u8(e.kind);
    w.uleb(e.index);
  }
}

/** Writes the start section's content: the renumbered start function. */
export function rewriteStart(w: ByteWriter, bytes: Uint8Array, section: WasmSection, plugin: string | undefined, renumber: Renumber): void {
  const c = new SectionCursor(bytes, section, plugin);
  w.uleb(renumber(c.uleb(32)));
  if (c.pos !== section.end) throw wasmMalformed(`the start section does not end where its size says`, plugin);
}

/**
 * Writes the element section's content with every function index renumbered, in all eight
 * segment forms (active / passive / declarative; function indices or expressions).
 */
export function rewriteElements(w: ByteWriter, bytes: Uint8Array, section: WasmSection, plugin: string | undefined, renumber: Renumber): void {
  const c = new SectionCursor(bytes, section, plugin);
  const count = c.uleb(32);
  w.uleb(count);
  const ctx = { plugin };
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const flags = c.uleb(32);
    if (flags > 7) throw wasmMalformed(`element segment ${i} at byte ${start} has unknown flags ${flags}`, plugin);
    w.uleb(flags);
    const passiveOrDeclarative = (flags & 1) !== 0;
    const explicitTable = (flags & 2) !== 0 && !passiveOrDeclarative;
    const expressions = (flags & 4) !== 0;
    if (explicitTable) w.uleb(c.uleb(32));
    if (!passiveOrDeclarative) c.pos = copyConstExpr(w, bytes, c.pos, section.end, ctx, renumber);
    if (flags !== 0 && flags !== 4) {
      // elemkind (0x00) for index lists, a reference type for expression lists
      const at = c.pos;
      const kind = c.u8();
      if (expressions ? kind !== 0x70 && kind !== 0x6f : kind !== 0x00) {
        if (kind === 0x63 || kind === 0x64) throw unsupportedAt(ctx, at, `element segment ${i} holds typed references (typed function references)`);
        throw wasmMalformed(`element segment ${i} has an unknown element kind 0x${kind.toString(16)} at byte ${at}`, plugin);
      }
      w.u8(kind);
    }
    const items = c.uleb(32);
    w.uleb(items);
    for (let k = 0; k < items; k++) {
      if (expressions) c.pos = copyConstExpr(w, bytes, c.pos, section.end, ctx, renumber);
      else w.uleb(renumber(c.uleb(32)));
    }
  }
  if (c.pos !== section.end) throw wasmMalformed(`the element section does not end where its size says`, plugin);
}
