import { SectionCursor } from "../limits/section-cursor.ts";
import { SectionId, encodeUleb, readSections, wasmMalformed, type WasmSection } from "../limits/wasm-sections.ts";

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

/**
 * The name `_initialize` gets in a routed module: Extism does not call it while it instantiates
 * (when the engine's WASI functions do not know the memory yet); the engine calls it once the
 * instance's memory is bound ({@link initializeDeferred}).
 */
export const DEFERRED_INITIALIZE = "__threadspace_initialize";

/** One name replaced in a section: the bytes `[from, to)` (a length-prefixed name) become `name`. */
type Rename = readonly [section: WasmSection, from: number, to: number, name: string];

/** The descriptor of an import of `kind` (function, table, memory, global, tag), skipped. */
function skipDescriptor(c: SectionCursor, kind: number): void {
  const limits = () => {
    const flags = c.u8();
    c.uleb(64);
    if ((flags & 1) !== 0) c.uleb(64);
  };
  const refType = () => {
    const type = c.u8();
    if (type === 0x63 || type === 0x64) c.skipSleb33();
  };
  if (kind === 0) c.uleb(32);
  else if (kind === 1) (refType(), limits());
  else if (kind === 2) limits();
  else if (kind === 3) (refType(), c.u8());
  else if (kind === 4) (c.u8(), c.uleb(32));
  else throw wasmMalformed(`an import has an unknown kind 0x${kind.toString(16)}`, c.plugin);
}

/** The module with each rename made, every changed section re-emitted with its new size. */
function withRenames(bytes: Uint8Array, renames: readonly Rename[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let copied = 0;
  for (const section of new Set(renames.map((r) => r[0]))) {
    const content: Uint8Array[] = [];
    let at = section.offset;
    for (const [, from, to, name] of renames.filter((r) => r[0] === section)) {
      const text = encoder.encode(name);
      content.push(bytes.subarray(at, from), encodeUleb(text.byteLength), text);
      at = to;
    }
    content.push(bytes.subarray(at, section.end));
    parts.push(bytes.subarray(copied, section.start), Uint8Array.of(section.id), encodeUleb(content.reduce((n, p) => n + p.byteLength, 0)), ...content);
    copied = section.end;
  }
  parts.push(bytes.subarray(copied));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.byteLength), 0);
  return out;
}

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
  const renames: Rename[] = [];
  let wasi = false;
  for (const section of sections) {
    if (section.id !== SectionId.import && section.id !== SectionId.export) continue;
    const c = new SectionCursor(bytes, section, plugin);
    for (let count = c.uleb(32); count > 0; count--) {
      const from = c.pos;
      const first = c.name();
      if (section.id === SectionId.export) {
        if (c.u8() === 0 && c.text(first) === "_initialize") renames.push([section, from, first[1], DEFERRED_INITIALIZE]);
        c.uleb(32);
        continue;
      }
      const name = c.text(c.name());
      const kind = c.u8();
      const fromWasi = c.text(first) === WASI_MODULE;
      wasi ||= fromWasi;
      if (fromWasi && kind === 0 && WASI_VALUE_FUNCTIONS.has(name)) renames.push([section, from, first[1], WASI_VALUES_MODULE]);
      skipDescriptor(c, kind);
    }
  }
  return wasi && renames.length > 0 ? withRenames(bytes, renames) : bytes;
}

/** Runs a routed module's deferred `_initialize` (see {@link DEFERRED_INITIALIZE}), when it has one. */
export function initializeDeferred(instance: WebAssembly.Instance): void {
  const init = instance.exports[DEFERRED_INITIALIZE];
  if (typeof init === "function") (init as () => void)();
}
