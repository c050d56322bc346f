import { ThreadspaceError } from "@threadspace/errors";
import { maximumPatch, type SectionPatch } from "../limits/limits-patch.ts";
import { readUleb, type WasmSection } from "../limits/wasm-sections.ts";
import type { LocatedTable } from "./module-reader.ts";

/** The most elements a table cap may allow: 10,000,000 (engines refuse larger tables anyway). */
export const MAX_TABLE_ELEMENTS_CAP = 10_000_000;

/**
 * The patches that give every table the module defines `maximum = min(its own, maxElements)`,
 * so `table.grow` past the cap returns -1 instead of exhausting the host's heap. A table that
 * starts above the cap is refused with `limit_exceeded`. `maxElements` must be a whole number
 * from 0 to {@link MAX_TABLE_ELEMENTS_CAP} (else `RangeError`: a host bug).
 */
export function planTableCaps(bytes: Uint8Array, section: WasmSection | undefined, tables: readonly LocatedTable[], maxElements: number, plugin: string | undefined): SectionPatch[] {
  if (!Number.isSafeInteger(maxElements) || maxElements < 0 || maxElements > MAX_TABLE_ELEMENTS_CAP) {
    throw new RangeError(`the table cap is a whole number of elements from 0 to ${MAX_TABLE_ELEMENTS_CAP}; got ${maxElements}`);
  }
  const patches: SectionPatch[] = [];
  if (section === undefined) return patches;
  for (const table of tables) {
    if (table.initial > maxElements) {
      throw new ThreadspaceError(
        "limit_exceeded",
        `table ${table.index} of the module starts with ${table.initial} elements, over the host's cap of ${maxElements} table elements. ` +
          `Build the plugin with a smaller table, or ask the host to raise its table cap.`,
        { plugin },
      );
    }
    if (table.maximum !== undefined && table.maximum <= maxElements) continue;
    const maxEnd = table.maximum === undefined ? table.initialEnd : readUleb(bytes, table.initialEnd, table.table64 ? 64 : 32, plugin).next;
    patches.push(maximumPatch(bytes, section, table.flagsOffset, table.initialEnd, maxEnd, maxElements));
  }
  return patches;
}
