import { SectionCursor } from "../limits/section-cursor.ts";
import { locateMemories, type LocatedMemory } from "../limits/wasm-memories.ts";
import { SectionId, readSections, wasmMalformed, type WasmSection } from "../limits/wasm-sections.ts";
import { isPlainValueType } from "./instruction-reader.ts";
import { METER_IMPORT_MODULE } from "./meter-section.ts";
import { unsupportedAt } from "./wasm-error.ts";

/** A table the module defines, with where its limits sit (to cap its maximum). */
export interface LocatedTable {
  /** Table index (imported tables first). */
  readonly index: number;
  readonly initial: number;
  readonly maximum: number | undefined;
  readonly table64: boolean;
  /** Offset of the limits' flags byte. */
  readonly flagsOffset: number;
  /** Offset just past the initial size. */
  readonly initialEnd: number;
  /** Offset just past the table type. */
  readonly end: number;
}

/** One function body in the code section. */
export interface LocatedBody {
  /** Offset of the body's size field. */
  readonly start: number;
  /** Offset of the first byte after the size field (the locals' declarations). */
  readonly bodyStart: number;
  /** Offset just past the body. */
  readonly end: number;
}

/** What the metering rewrite needs to know about a module, read once. */
export interface ModuleLayout {
  readonly sections: readonly WasmSection[];
  /** Parameter count of every type, by type index. */
  readonly paramCounts: readonly number[];
  readonly importedFunctions: number;
  readonly importedGlobals: number;
  readonly importedTables: number;
  /** Number of entries in the import section. */
  readonly importCount: number;
  /** Type index of every defined function. */
  readonly functionTypes: readonly number[];
  /** Memories, imported and defined, in index order. */
  readonly memories: readonly LocatedMemory[];
  /** Index type of every table (true = table64), imported and defined. */
  readonly table64: readonly boolean[];
  readonly tables: readonly LocatedTable[];
  readonly definedGlobals: number;
  readonly exportCount: number;
  readonly bodies: readonly LocatedBody[];
}

const KIND_FUNCTION = 0;
const KIND_TABLE = 1;
const KIND_MEMORY = 2;
const KIND_GLOBAL = 3;
const KIND_TAG = 4;

function valueType(c: SectionCursor): void {
  const at = c.pos;
  const type = c.u8();
  if (isPlainValueType(type)) return;
  if (type === 0x63 || type === 0x64) throw unsupportedAt({ plugin: c.plugin }, at, "a typed reference type (typed function references)");
  throw wasmMalformed(`unknown value type 0x${type.toString(16)} at byte ${at}`, c.plugin);
}

function readTypes(c: SectionCursor): number[] {
  const count = c.uleb(32);
  const params: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = c.pos;
    const form = c.u8();
    if (form === 0x4e || form === 0x4f || form === 0x50 || form === 0x5e || form === 0x5f) {
      throw unsupportedAt({ plugin: c.plugin }, at, `type ${i} is a GC type (form 0x${form.toString(16)}: garbage collection)`);
    }
    if (form !== 0x60) throw wasmMalformed(`type ${i} at byte ${at} has an unknown form 0x${form.toString(16)}`, c.plugin);
    const paramCount = c.uleb(32);
    for (let p = 0; p < paramCount; p++) valueType(c);
    const resultCount = c.uleb(32);
    for (let r = 0; r < resultCount; r++) valueType(c);
    params.push(paramCount);
  }
  return params;
}

/** Reads a table type; `index` is its table index. */
function tableType(c: SectionCursor, index: number): LocatedTable {
  const at = c.pos;
  const ref = c.u8();
  if (ref === 0x40) throw unsupportedAt({ plugin: c.plugin }, at, "a table with an initializer expression (typed function references)");
  if (ref !== 0x70 && ref !== 0x6f) {
    if (ref === 0x63 || ref === 0x64) throw unsupportedAt({ plugin: c.plugin }, at, "a table of typed references (typed function references)");
    throw wasmMalformed(`table ${index} at byte ${at} has an unknown element type 0x${ref.toString(16)}`, c.plugin);
  }
  const flagsOffset = c.pos;
  const flags = c.u8();
  if ((flags & ~0x05) !== 0) throw wasmMalformed(`unknown table limits flags 0x${flags.toString(16)} at byte ${flagsOffset}`, c.plugin);
  const table64 = (flags & 0x04) !== 0;
  const initial = c.uleb(table64 ? 64 : 32);
  const initialEnd = c.pos;
  const maximum = (flags & 0x01) !== 0 ? c.uleb(table64 ? 64 : 32) : undefined;
  return { index, initial, maximum, table64, flagsOffset, initialEnd, end: c.pos };
}

function checkEnd(c: SectionCursor): void {
  if (c.pos !== c.section.end) throw wasmMalformed(`section ${c.section.id} at byte ${c.section.start} does not end where its size says`, c.plugin);
}

/**
 * Reads the sections the rewrite needs (types, imports, functions, tables, memories, globals,
 * exports, code) with the project's strict section reader, and refuses what it cannot meter
 * (exception-handling tags, GC types). Instructions are not decoded here.
 * Throws `wasm_invalid`.
 */
export function readModuleLayout(bytes: Uint8Array, plugin: string | undefined): ModuleLayout {
  const sections = readSections(bytes, { plugin });
  const memories = locateMemories(bytes, { plugin });
  let paramCounts: number[] = [];
  let importedFunctions = 0;
  let importedGlobals = 0;
  let importCount = 0;
  const table64: boolean[] = [];
  const tables: LocatedTable[] = [];
  let functionTypes: number[] = [];
  let definedGlobals = 0;
  let exportCount = 0;
  const bodies: LocatedBody[] = [];
  for (const section of sections) {
    const c = new SectionCursor(bytes, section, plugin);
    switch (section.id) {
      case SectionId.type:
        paramCounts = readTypes(c);
        break;
      case SectionId.import: {
        importCount = c.uleb(32);
        for (let i = 0; i < importCount; i++) {
          const from = c.text(c.name());
          const name = c.text(c.name());
          const at = c.pos;
          if (from === METER_IMPORT_MODULE) {
            throw wasmMalformed(`it imports "${from}" "${name}" itself (import ${i}); that module is the metering rewrite's own. Meter the original module, which must not import from it`, plugin);
          }
          const kind = c.u8();
          if (kind === KIND_FUNCTION) {
            c.uleb(32);
            importedFunctions++;
          } else if (kind === KIND_TABLE) table64.push(tableType(c, table64.length).table64);
          else if (kind === KIND_MEMORY) c.pos = memoryAt(memories, c.pos, plugin).end;
          else if (kind === KIND_GLOBAL) {
            valueType(c);
            c.u8();
            importedGlobals++;
          } else if (kind === KIND_TAG) throw unsupportedAt({ plugin }, at, `import ${i} is a tag (exception handling)`);
          else throw wasmMalformed(`import ${i} at byte ${at} has unknown kind 0x${kind.toString(16)}`, plugin);
        }
        break;
      }
      case SectionId.function: {
        const count = c.uleb(32);
        functionTypes = [];
        for (let i = 0; i < count; i++) functionTypes.push(c.uleb(32));
        break;
      }
      case SectionId.table: {
        const count = c.uleb(32);
        for (let i = 0; i < count; i++) {
          const table = tableType(c, table64.length);
          table64.push(table.table64);
          tables.push(table);
        }
        break;
      }
      case SectionId.tag:
        throw unsupportedAt({ plugin }, section.start, "a tag section (exception handling)");
      case SectionId.global:
        definedGlobals = c.uleb(32);
        c.pos = section.end; // initializers are rewritten (and decoded) by the rewrite itself
        break;
      case SectionId.export:
        exportCount = c.uleb(32);
        c.pos = section.end;
        break;
      case SectionId.code: {
        const count = c.uleb(32);
        for (let i = 0; i < count; i++) {
          const start = c.pos;
          const size = c.uleb(32);
          const bodyStart = c.pos;
          const end = bodyStart + size;
          if (end > section.end) throw wasmMalformed(`the body of function ${importedFunctions + i} at byte ${start} runs past the end of the code section`, plugin);
          bodies.push({ start, bodyStart, end });
          c.pos = end;
        }
        break;
      }
      default:
        c.pos = section.end;
    }
    checkEnd(c);
  }
  if (bodies.length !== functionTypes.length) {
    throw wasmMalformed(`the function section declares ${functionTypes.length} functions but the code section holds ${bodies.length} bodies`, plugin);
  }
  for (const [i, type] of functionTypes.entries()) {
    if (type >= paramCounts.length) throw wasmMalformed(`function ${importedFunctions + i} has type ${type}, but the module declares ${paramCounts.length} types`, plugin);
  }
  return {
    sections,
    paramCounts,
    importedFunctions,
    importedGlobals,
    importedTables: table64.length - tables.length,
    importCount,
    functionTypes,
    memories,
    table64,
    tables,
    definedGlobals,
    exportCount,
    bodies,
  };
}

function memoryAt(memories: readonly LocatedMemory[], offset: number, plugin: string | undefined): LocatedMemory {
  const memory = memories.find((m) => m.flagsOffset === offset);
  if (memory === undefined) throw wasmMalformed(`cannot read the imported memory at byte ${offset}`, plugin);
  return memory;
}
