import { ThreadspaceError } from "@threadspace/errors";
import type { SectionPatch } from "../limits/limits-patch.ts";
import { planMemoryCap, type GuestMemory } from "../limits/memory-cap.ts";
import { SectionId, WASM_HEADER_BYTES, readUleb, type WasmSection } from "../limits/wasm-sections.ts";
import { rewriteBody } from "./body-rewrite.ts";
import { ByteWriter } from "./byte-writer.ts";
import { rewriteElements, rewriteExports, rewriteGlobals, rewriteStart } from "./index-sections.ts";
import { MeterCode, growHelperBody } from "./meter-code.ts";
import { FUEL_EXPORT, METER_IMPORT_MODULE, METER_SECTION, METER_VERSION, encodeMeterInfo, readMeterSection, type MeterInfo } from "./meter-section.ts";
import { readModuleLayout } from "./module-reader.ts";
import { rewriteNameSection } from "./name-section.ts";
import { planTableCaps } from "./table-cap.ts";

export { METER_IMPORT_MODULE };

/** Options of {@link rewriteModule}. */
export interface RewriteOptions {
  /** Insert fuel charges and checks, the `refuel` import and the `__threadspace_fuel` export. Default true. */
  readonly fuel?: boolean | undefined;
  /** Route `memory.grow` through a helper that calls the `grow_refused` import when it returns -1. Default: as `fuel`. */
  readonly reportGrow?: boolean | undefined;
  /** Cap every memory's maximum at this many 64 KiB pages (as `capGuestMemory`); no cap when absent. */
  readonly memoryPages?: number | undefined;
  /** Cap every defined table's maximum at this many elements; a table that starts above it is refused. No cap when absent. */
  readonly tableElements?: number | undefined;
  /** The plugin named in errors. */
  readonly plugin?: string | undefined;
}

/** What {@link rewriteModule} returns. */
export interface RewriteResult {
  /** The rewritten module. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** What its `threadspace.meter` section says. */
  readonly meter: MeterInfo;
  /** The memory as the module declared it and as the result declares it (`undefined`: no memory). */
  readonly memoryBefore: GuestMemory | undefined;
  readonly memoryAfter: GuestMemory | undefined;
  /** What the rewrite could not keep, e.g. a malformed `name` section it dropped. */
  readonly notes: readonly string[];
}

const SECTION_RANK: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

/** `refuel: () -> i32`: returns the fuel to add to the counter. */
const TYPE_REFUEL = [0x60, 0, 1, 0x7f];
const TYPE_GROW_REFUSED = [0x60, 2, 0x7f, 0x7e, 0];
const TYPE_GROW32 = [0x60, 1, 0x7f, 1, 0x7f];
const TYPE_GROW64 = [0x60, 1, 0x7e, 1, 0x7e];

function nameOf(bytes: Uint8Array, section: WasmSection): { name: string; end: number } {
  const length = readUleb(bytes, section.offset);
  const end = length.next + length.value;
  return { name: new TextDecoder().decode(bytes.subarray(length.next, end)), end };
}

/** True when a `name` section content has a label-names subsection (3). */
function hasLabelNames(bytes: Uint8Array, start: number, end: number): boolean {
  let pos = start;
  try {
    while (pos < end) {
      const id = bytes[pos++];
      const size = readUleb(bytes, pos);
      if (id === 3) return true;
      pos = size.next + size.value;
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Rewrites a module once, before it is compiled, as docs/metering.md describes: fuel charges at
 * the start of every straight-line segment, checks at function entries and loop headers (and
 * after bulk operations), the `threadspace:meter` imports (`refuel`, `grow_refused`) with every
 * function index renumbered, `memory.grow` routed through a helper that reports refusals, the
 * `__threadspace_fuel` export, memory and table maxima, and the `threadspace.meter` custom
 * section. Behaviour is otherwise identical. Sections it has nothing to change are copied byte
 * for byte. Throws `wasm_invalid` for malformed modules and proposals it cannot meter,
 * `memory_limit` / `limit_exceeded` when the module starts above a cap.
 *
 * @example
 * const { bytes } = rewriteModule(wasm, { memoryPages: 256, tableElements: 10_000 });
 * const module = await WebAssembly.compile(bytes);
 */
export function rewriteModule(input: Uint8Array, options: RewriteOptions = {}): RewriteResult {
  const { plugin } = options;
  // A plain view: a Node Buffer's subarray is several times slower.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fuel = options.fuel ?? true;
  const grow = options.reportGrow ?? fuel;
  if (readMeterSection(bytes, plugin === undefined ? {} : { plugin }) !== undefined) {
    throw new ThreadspaceError("wasm_invalid", `the module is already metered (it has a "${METER_SECTION}" section). Meter the original module, once.`, { plugin });
  }
  const layout = readModuleLayout(bytes, plugin);
  const memoryPlan = options.memoryPages === undefined ? undefined : planMemoryCap(bytes, layout.memories, options.memoryPages, plugin);
  const section = (id: number): WasmSection | undefined => layout.sections.find((s) => s.id === id);
  const tablePatches = options.tableElements === undefined ? [] : planTableCaps(bytes, section(SectionId.table), layout.tables, options.tableElements, plugin);
  const patches: SectionPatch[] = [...tablePatches, ...(memoryPlan?.patch === undefined ? [] : [memoryPlan.patch])];

  const memories = layout.memories.map((m) => m.limits.memory64);
  const helpers = grow ? memories.length : 0;
  const addedImports = (fuel ? 1 : 0) + (grow ? 1 : 0);
  const typeBase = layout.paramCounts.length;
  const addedTypes: number[][] = [];
  const addType = (type: number[]): number => {
    const found = addedTypes.findIndex((t) => t.length === type.length && t.every((b, i) => b === type[i]));
    if (found >= 0) return typeBase + found;
    addedTypes.push(type);
    return typeBase + addedTypes.length - 1;
  };
  const refuelType = fuel ? addType(TYPE_REFUEL) : -1;
  const growRefusedType = grow ? addType(TYPE_GROW_REFUSED) : -1;
  const helperTypes = grow ? memories.map((is64) => addType(is64 ? TYPE_GROW64 : TYPE_GROW32)) : [];

  const imported = layout.importedFunctions;
  const defined = layout.functionTypes.length;
  const refuelFunc = imported;
  const growRefusedFunc = imported + (fuel ? 1 : 0);
  const renumber = (index: number): number => (index < imported ? index : index + addedImports);
  const growHelper = (memory: number): number => imported + addedImports + defined + memory;
  const fuelGlobal = layout.importedGlobals + layout.definedGlobals;
  const meter = fuel ? new MeterCode(fuelGlobal, refuelFunc) : undefined;
  const info: MeterInfo = { version: METER_VERSION, fuel, tableElements: options.tableElements ?? null, memoryPages: options.memoryPages ?? null };

  const nameSection = layout.sections.find((s) => s.id === SectionId.custom && nameOf(bytes, s).name === "name");
  const labels = nameSection !== undefined && hasLabelNames(bytes, nameOf(bytes, nameSection).end, nameSection.end);
  const labelShifts = new Map<number, readonly number[]>();
  const notes: string[] = [];

  const out = new ByteWriter(Math.ceil(bytes.byteLength * 1.3) + 256);
  const content = new ByteWriter(1024);
  const scratch = new ByteWriter(4096);
  out.range(bytes, 0, WASM_HEADER_BYTES);

  const emit = (id: number, write: (w: ByteWriter) => void): void => {
    content.length = 0;
    write(content);
    out.u8(id);
    out.uleb(content.length);
    out.range(content.view(), 0, content.length);
  };
  const copyWithPatches = (w: ByteWriter, s: WasmSection, from: number): void => {
    let copied = from;
    for (const p of patches) {
      if (p.section.start !== s.start) continue; // by offset: the memory plan located its section in its own read
      w.range(bytes, copied, p.start);
      w.bytes(p.bytes);
      copied = p.end;
    }
    w.range(bytes, copied, s.end);
  };
  /** The section with its patches, its size field as wide as before (so a caps-only rewrite changes only the limits). */
  const emitPatched = (s: WasmSection): void => {
    content.length = 0;
    copyWithPatches(content, s, s.offset);
    out.u8(s.id);
    out.uleb(content.length, s.sizeWidth);
    out.range(content.view(), 0, content.length);
  };
  const countAndRest = (s: WasmSection): { count: number; rest: number } => {
    const count = readUleb(bytes, s.offset, 32, plugin);
    return { count: count.value, rest: count.next };
  };

  const writers: Partial<Record<number, (s: WasmSection | undefined) => void>> = {};
  if (addedTypes.length > 0) {
    writers[SectionId.type] = (s) =>
      emit(SectionId.type, (w) => {
        const { count, rest } = s === undefined ? { count: 0, rest: 0 } : countAndRest(s);
        w.uleb(count + addedTypes.length);
        if (s !== undefined) w.range(bytes, rest, s.end);
        for (const t of addedTypes) w.bytes(t);
      });
  }
  if (addedImports > 0) {
    writers[SectionId.import] = (s) =>
      emit(SectionId.import, (w) => {
        const { count, rest } = s === undefined ? { count: 0, rest: 0 } : countAndRest(s);
        w.uleb(count + addedImports);
        if (s !== undefined) copyWithPatches(w, s, rest);
        if (fuel) {
          w.name(METER_IMPORT_MODULE);
          w.name("refuel");
          w.u8(0);
          w.uleb(refuelType);
        }
        if (grow) {
          w.name(METER_IMPORT_MODULE);
          w.name("grow_refused");
          w.u8(0);
          w.uleb(growRefusedType);
        }
      });
  }
  if (helpers > 0) {
    writers[SectionId.function] = (s) =>
      emit(SectionId.function, (w) => {
        const { rest } = s === undefined ? { rest: 0 } : countAndRest(s);
        w.uleb(defined + helpers);
        if (s !== undefined) w.range(bytes, rest, s.end);
        for (const t of helperTypes) w.uleb(t);
      });
  }
  if (fuel) {
    writers[SectionId.global] = (s) => emit(SectionId.global, (w) => rewriteGlobals(w, bytes, s, plugin, renumber, [[0x7f, 0x01, 0x41, 0x00, 0x0b]]));
    writers[SectionId.export] = (s) => emit(SectionId.export, (w) => rewriteExports(w, bytes, s, plugin, renumber, [{ name: FUEL_EXPORT, kind: 3, index: fuelGlobal }]));
  } else if (addedImports > 0) {
    writers[SectionId.global] = (s) => s !== undefined && emit(SectionId.global, (w) => rewriteGlobals(w, bytes, s, plugin, renumber, []));
    writers[SectionId.export] = (s) => s !== undefined && emit(SectionId.export, (w) => rewriteExports(w, bytes, s, plugin, renumber, []));
  }
  if (addedImports > 0) {
    writers[SectionId.start] = (s) => s !== undefined && emit(SectionId.start, (w) => rewriteStart(w, bytes, s, plugin, renumber));
    writers[SectionId.element] = (s) => s !== undefined && emit(SectionId.element, (w) => rewriteElements(w, bytes, s, plugin, renumber));
  }
  if (fuel || grow || helpers > 0) {
    writers[SectionId.code] = () =>
      emit(SectionId.code, (w) => {
        const code = codeContent();
        w.range(code.view(), 0, code.length);
      });
  }
  /**
   * The code section's content, built once on first use: by the code section, or earlier by a
   * `name` section placed before it (its label names need the shifts the bodies' rewrite finds).
   */
  let codeCache: ByteWriter | undefined;
  function codeContent(): ByteWriter {
    if (codeCache !== undefined) return codeCache;
    const w = (codeCache = new ByteWriter(Math.ceil(bytes.byteLength * 1.3) + 64));
    w.uleb(defined + helpers);
    for (const [i, body] of layout.bodies.entries()) {
      const funcIndex = imported + i;
      const result = rewriteBody(w, scratch, bytes, body, {
        plugin,
        funcIndex,
        memory64: memories.includes(true),
        memory64List: memories,
        table64List: layout.table64,
        fuel,
        grow,
        renumber: addedImports > 0,
        labels,
        meter,
        params: layout.paramCounts[layout.functionTypes[i] as number] as number,
        renumberFunction: renumber,
        growHelper,
        leafSkip: true,
      });
      if (result.labelShifts !== undefined) labelShifts.set(funcIndex, result.labelShifts);
    }
    for (let m = 0; m < helpers; m++) growHelperBody(w, m, memories[m] === true, growRefusedFunc);
    return w;
  }

  const pending = new Set(Object.keys(writers).map(Number));
  const flushBefore = (rank: number): void => {
    for (const id of [...pending].sort((a, b) => (SECTION_RANK[a] ?? 0) - (SECTION_RANK[b] ?? 0))) {
      if ((SECTION_RANK[id] ?? 0) >= rank) break;
      pending.delete(id);
      writers[id]?.(undefined);
    }
  };

  for (const s of layout.sections) {
    if (s.id === SectionId.custom) {
      if (s === nameSection && addedImports > 0) emitName(s);
      else out.range(bytes, s.start, s.end);
      continue;
    }
    flushBefore(SECTION_RANK[s.id] ?? 0);
    const writer = writers[s.id];
    pending.delete(s.id);
    if (writer !== undefined) writer(s);
    else if (patches.some((p) => p.section.start === s.start)) emitPatched(s);
    else out.range(bytes, s.start, s.end);
  }
  flushBefore(Number.POSITIVE_INFINITY);

  function emitName(s: WasmSection): void {
    const { end } = nameOf(bytes, s);
    if (labels && writers[SectionId.code] !== undefined) codeContent(); // label shifts, when the name section comes first
    const body = new ByteWriter(s.size + 64);
    try {
      body.range(bytes, s.offset, end); // the section's own name
      rewriteNameSection(body, bytes, end, s.end, renumber, (f) => labelShifts.get(f));
    } catch {
      notes.push(`the module's "name" section is malformed; it was dropped (names are for debugging only)`);
      return;
    }
    out.u8(SectionId.custom);
    out.uleb(body.length);
    out.range(body.view(), 0, body.length);
  }

  if (fuel || grow || options.memoryPages !== undefined || options.tableElements !== undefined) {
    const json = encodeMeterInfo(info);
    const name = new TextEncoder().encode(METER_SECTION);
    out.u8(SectionId.custom);
    out.uleb(1 + name.byteLength + json.byteLength);
    out.uleb(name.byteLength);
    out.bytes(name);
    out.bytes(json);
  }
  return { bytes: out.finish(), meter: info, memoryBefore: memoryPlan?.before, memoryAfter: memoryPlan?.after, notes };
}
