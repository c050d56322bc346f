import { ThreadspaceError } from "@threadspace/errors";
import { LIMITS_HAS_MAX, WASM_PAGE_BYTES, locateMemories, type LocatedMemory } from "./wasm-memories.ts";
import { applySectionPatches, maximumPatch, type SectionPatch } from "./limits-patch.ts";
import { readUleb, wasmMalformed } from "./wasm-sections.ts";

/** The most 64 KiB pages a 32-bit memory can have (4 GiB): the highest cap there is. */
export const MAX_GUEST_MEMORY_PAGES = 65_536;
/** The most pages a memory64 memory may declare (the spec's bound, 2^48). */
const MAX_MEMORY64_PAGES = 2 ** 48;

/** A module's memory as {@link capGuestMemory} saw it, or left it. */
export interface GuestMemory {
  /** Pages (64 KiB) it starts with. */
  readonly initial: number;
  /** Pages it may grow to; absent when the module sets no maximum. */
  readonly maximum?: number;
  /** Imported (the embedder provides it) rather than defined by the module. */
  readonly imported: boolean;
  /** Shared between threads. */
  readonly shared: boolean;
  /** Indexed with i64 (memory64). */
  readonly memory64: boolean;
}

/** What {@link capGuestMemory} returns. */
export interface MemoryCapResult {
  /** The module to compile: the input itself when nothing had to change, else a new array. */
  readonly bytes: Uint8Array;
  /** True when the bytes were rewritten. */
  readonly changed: boolean;
  /** The memory as the module declared it; `undefined` when it has none. */
  readonly before: GuestMemory | undefined;
  /** The memory as `bytes` declares it; `undefined` when it has none. */
  readonly after: GuestMemory | undefined;
}

/** Options of {@link capGuestMemory}. */
export interface CapGuestMemoryOptions {
  /** The plugin named in errors. */
  readonly plugin?: string | undefined;
}

function mib(pages: number): string {
  const value = (pages * WASM_PAGE_BYTES) / 1024 / 1024;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} MiB`;
}

function pagesText(pages: number): string {
  return `${pages} page${pages === 1 ? "" : "s"} (${mib(pages)})`;
}

function describe(memory: LocatedMemory): GuestMemory {
  const { limits } = memory;
  return {
    initial: limits.initialPages,
    ...(limits.maximumPages === undefined ? {} : { maximum: limits.maximumPages }),
    imported: limits.import !== undefined,
    shared: limits.shared,
    memory64: limits.memory64,
  };
}

function checkDeclaredLimits(memory: LocatedMemory, plugin: string | undefined): void {
  const { initialPages, maximumPages, memory64, shared, pageBytes } = memory.limits;
  if (pageBytes !== WASM_PAGE_BYTES) {
    throw new ThreadspaceError(
      "memory_limit",
      `the module's memory uses ${pageBytes}-byte pages (the custom-page-sizes proposal), which the guest memory cap does not support. Build it with the standard 64 KiB pages.`,
      { plugin },
    );
  }
  const bound = memory64 ? MAX_MEMORY64_PAGES : MAX_GUEST_MEMORY_PAGES;
  if (initialPages > bound || (maximumPages !== undefined && maximumPages > bound)) {
    throw wasmMalformed(`its memory declares more than ${bound} pages, the most a ${memory64 ? "64" : "32"}-bit memory may have`, plugin);
  }
  if (maximumPages !== undefined && maximumPages < initialPages) {
    throw wasmMalformed(`its memory's maximum (${maximumPages} pages) is below its initial size (${initialPages} pages)`, plugin);
  }
  if (shared && maximumPages === undefined) throw wasmMalformed("its shared memory has no maximum (a shared memory must declare one)", plugin);
}

/**
 * Caps a module's guest memory before it is compiled: rewrites the limits of its memory
 * (defined in the memory section or imported) so that the maximum is
 * `min(declared maximum, maxPages)`, adding a maximum (flags 0x00 → 0x01) when there is none,
 * and re-encodes that section's size. `memory.grow` past the cap then returns -1, whatever the
 * SDK's own `maxPages` says. Every other byte stays as it was: a lowered maximum is written
 * in as many LEB128 bytes as the old one (padded), so only those bytes change; an added
 * maximum inserts its bytes and the section's size grows by as many.
 *
 * - A module without memory comes back unchanged (`before` and `after` are `undefined`).
 * - Shared memories (threads) are capped the same way; they always declare a maximum.
 * - memory64 memories are capped in the same 64 KiB pages (limits encoded as u64).
 * - An imported memory's type is capped: the embedder must then provide a memory whose
 *   maximum is at most the cap, or instantiation fails to link.
 * - More than one memory (multi-memory) and custom page sizes are refused with `memory_limit`:
 *   a per-memory cap would not bound the total.
 *
 * Throws `memory_limit` when the module needs more pages at start than `maxPages`, and
 * `wasm_invalid` when the bytes are not a well-formed module. `maxPages` must be a whole
 * number from 0 to 65536 (else `RangeError`: a host bug, not the plugin's).
 *
 * @example
 * const { bytes: capped, before, after } = capGuestMemory(wasm, 256, { plugin: "hello" });
 * // before: { initial: 17, imported: false, shared: false, memory64: false }
 * // after:  { initial: 17, maximum: 256, imported: false, shared: false, memory64: false }
 * const module = await WebAssembly.compile(capped);
 */
export function capGuestMemory(bytes: Uint8Array, maxPages: number, options: CapGuestMemoryOptions = {}): MemoryCapResult {
  const { plugin } = options;
  const plan = planMemoryCap(bytes, locateMemories(bytes, { plugin }), maxPages, plugin);
  if (plan.patch === undefined) return { bytes, changed: false, before: plan.before, after: plan.after };
  return { bytes: applySectionPatches(bytes, plan.patch.section, [plan.patch], plugin), changed: true, before: plan.before, after: plan.after };
}

/** What capping a module's memory changes: the memory before and after, and the patch to its limits (none when it is already within the cap). */
export interface MemoryCapPlan {
  readonly before: GuestMemory | undefined;
  readonly after: GuestMemory | undefined;
  readonly patch: SectionPatch | undefined;
}

/**
 * Decides how {@link capGuestMemory} caps a module's memories (given by `locateMemories`),
 * with its checks and errors, without writing anything: the metering rewrite applies the patch
 * in its own single pass over the module.
 */
export function planMemoryCap(bytes: Uint8Array, memories: readonly LocatedMemory[], maxPages: number, plugin: string | undefined): MemoryCapPlan {
  if (!Number.isSafeInteger(maxPages) || maxPages < 0 || maxPages > MAX_GUEST_MEMORY_PAGES) {
    throw new RangeError(`the guest memory cap is a whole number of 64 KiB pages from 0 to ${MAX_GUEST_MEMORY_PAGES}; got ${maxPages}`);
  }
  const memory = memories[0];
  if (memory === undefined) return { before: undefined, after: undefined, patch: undefined };
  if (memories.length > 1) {
    throw new ThreadspaceError(
      "memory_limit",
      `the module has ${memories.length} memories (multi-memory); the guest memory cap supports modules with one memory, as every Extism PDK builds them. Build it with a single memory.`,
      { plugin },
    );
  }
  checkDeclaredLimits(memory, plugin);
  const before = describe(memory);
  const { initialPages, maximumPages } = memory.limits;
  if (initialPages > maxPages) {
    const where = memory.limits.import === undefined ? "" : ` (its memory is imported from "${memory.limits.import.module}" "${memory.limits.import.name}")`;
    throw new ThreadspaceError(
      "memory_limit",
      `the module asks for ${pagesText(initialPages)} of memory at start, but the cap is ${pagesText(maxPages)}${where}. ` +
        `Raise "limits.memoryPages" in plugin.json to at least ${initialPages} (the host's policy may cap it lower), ` +
        `or build the plugin with a smaller initial memory (wasm-ld: --initial-memory=<bytes>; AssemblyScript: --initialMemory <pages>).`,
      { plugin },
    );
  }
  if (maximumPages !== undefined && maximumPages <= maxPages) return { before, after: before, patch: undefined };
  const { section, flagsOffset, initialEnd } = memory;
  const flags = bytes[flagsOffset] as number;
  const maxEnd = (flags & LIMITS_HAS_MAX) !== 0 ? readUleb(bytes, initialEnd, memory.limits.memory64 ? 64 : 32, plugin).next : initialEnd;
  return { before, after: { ...before, maximum: maxPages }, patch: maximumPatch(bytes, section, flagsOffset, initialEnd, maxEnd, maxPages) };
}
