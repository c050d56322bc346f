import { ThreadspaceError } from "@threadspace/errors";
import { readSections, readUleb, SectionId } from "../limits/wasm-sections.ts";

/** The import module of the functions the rewrite adds (docs/metering.md). */
export const METER_IMPORT_MODULE = "threadspace:meter";

/** The exported i32 global a metered module counts its fuel down in. */
export const FUEL_EXPORT = "__threadspace_fuel";

/** Name of the custom section that marks a metered module. */
export const METER_SECTION = "threadspace.meter";

/** Version of the transform: fixes the segment boundaries, costs and inserted code (docs/metering.md). */
export const METER_VERSION = 2;

/** What the `threadspace.meter` custom section says (UTF-8 JSON). */
export interface MeterInfo {
  /** Transform version. */
  readonly version: number;
  /** Fuel charges and checks were inserted (false: caps only). */
  readonly fuel: boolean;
  /** The table cap written into the module, or null when tables were not capped. */
  readonly tableElements: number | null;
  /** The memory cap (64 KiB pages) written into the module, or null when memory was not capped. */
  readonly memoryPages: number | null;
}

/** The section's content (its JSON) for `info`. */
export function encodeMeterInfo(info: MeterInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: info.version, fuel: info.fuel, tableElements: info.tableElements, memoryPages: info.memoryPages }));
}

function isCap(value: unknown): value is number | null {
  return value === null || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
}

/** Parses a section's content; throws `wasm_invalid` when it is not what {@link encodeMeterInfo} writes. */
export function decodeMeterInfo(content: Uint8Array, plugin?: string): MeterInfo {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch (cause) {
    throw new ThreadspaceError("wasm_invalid", `the module's "${METER_SECTION}" custom section is not UTF-8 JSON. Meter the original module again (threadspace cap --fuel).`, { plugin, cause });
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== "object" || v === null || !Number.isSafeInteger(v.version) || typeof v.fuel !== "boolean" || !isCap(v.tableElements) || !isCap(v.memoryPages)) {
    throw new ThreadspaceError(
      "wasm_invalid",
      `the module's "${METER_SECTION}" custom section does not say {"version","fuel","tableElements","memoryPages"}. Meter the original module again (threadspace cap --fuel).`,
      { plugin },
    );
  }
  return { version: v.version as number, fuel: v.fuel, tableElements: v.tableElements, memoryPages: v.memoryPages };
}

/**
 * The `threadspace.meter` custom section of a module (bytes or a compiled `WebAssembly.Module`),
 * parsed; `undefined` when the module has none (it is not metered). Throws `wasm_invalid` when
 * the bytes are malformed, the section appears twice or does not parse.
 *
 * @example
 * readMeterSection(bytes) // { version: 1, fuel: true, tableElements: 10000, memoryPages: 256 }
 */
export function readMeterSection(module: Uint8Array | WebAssembly.Module, options: { plugin?: string } = {}): MeterInfo | undefined {
  const contents: Uint8Array[] = [];
  if (module instanceof WebAssembly.Module) {
    for (const buffer of WebAssembly.Module.customSections(module, METER_SECTION)) contents.push(new Uint8Array(buffer));
  } else {
    const wanted = new TextEncoder().encode(METER_SECTION);
    for (const s of readSections(module, options)) {
      if (s.id !== SectionId.custom) continue;
      const name = readUleb(module, s.offset, 32, options.plugin);
      const nameBytes = module.subarray(name.next, name.next + name.value);
      if (nameBytes.byteLength === wanted.byteLength && nameBytes.every((b, i) => b === wanted[i])) contents.push(module.subarray(name.next + name.value, s.end));
    }
  }
  if (contents.length === 0) return undefined;
  if (contents.length > 1) throw new ThreadspaceError("wasm_invalid", `the module has ${contents.length} "${METER_SECTION}" custom sections; a metered module has one. Meter the original module again.`, options);
  return decodeMeterInfo(contents[0] as Uint8Array, options.plugin);
}
