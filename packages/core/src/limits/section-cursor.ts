import { SectionId, readUlebWithin, sectionLabel, wasmMalformed, type WasmSection } from "./wasm-sections.ts";

/** How errors name a section: "import section", "memory section", else `sectionLabel` ("code section (10)"). */
export function cursorLabel(section: WasmSection): string {
  if (section.id === SectionId.import) return "import section";
  if (section.id === SectionId.memory) return "memory section";
  return sectionLabel(section.id);
}

const UTF8 = new TextDecoder("utf-8", { fatal: false });

/**
 * A bounds-checked cursor over one section's content: reading past the section's end is
 * malformed (`wasm_invalid`), never an out-of-bounds read. Used by the memory reader and by
 * the metering rewrite's module reader.
 */
export class SectionCursor {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly section: WasmSection,
    readonly plugin: string | undefined,
  ) {
    this.pos = section.offset;
  }

  /** True when the cursor reached the section's end. */
  get atEnd(): boolean {
    return this.pos >= this.section.end;
  }

  u8(): number {
    if (this.pos >= this.section.end) throw wasmMalformed(`the ${cursorLabel(this.section)} ends early (at byte ${this.pos})`, this.plugin);
    return this.bytes[this.pos++] as number;
  }

  /** Reads within the section: an integer cut by the section's end "ends early" like one cut by the file's. */
  uleb(bits: 32 | 64): number {
    const { value, next } = readUlebWithin(this.bytes, this.pos, this.section.end, bits, this.plugin);
    this.pos = next;
    return value;
  }

  /** Skips a signed LEB128 of at most 33 bits (a heap type). */
  skipSleb33(): void {
    for (let count = 0; count < 5; count++) if ((this.u8() & 0x80) === 0) return;
    throw wasmMalformed(`the heap type ending at byte ${this.pos} is longer than 5 bytes`, this.plugin);
  }

  /** Skips a name, returning where its bytes are (decoded only when needed: see {@link text}). */
  name(): readonly [start: number, end: number] {
    const length = this.uleb(32);
    const start = this.pos;
    const end = start + length;
    if (end > this.section.end) throw wasmMalformed(`a name at byte ${start} runs past the end of the ${cursorLabel(this.section)}`, this.plugin);
    this.pos = end;
    return [start, end];
  }

  text([start, end]: readonly [number, number]): string {
    return UTF8.decode(this.bytes.subarray(start, end));
  }
}
