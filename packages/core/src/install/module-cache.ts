import type { GuestMemory } from "../limits/index.ts";
import type { ModuleShape } from "./wasm-module.ts";

/** How many compiled modules are kept for installs of the same bytes (least recently used goes first). */
export const DEFAULT_MODULE_CACHE_SIZE = 16;

/** What decides a compiled module: the input bytes' sha256 and every option of the rewrite. */
export interface CompileKey {
  /** `sha256:<hex>` of the wasm as installed (before the rewrite), as `checkIntegrity` computed it. */
  readonly sha256: string;
  readonly memoryPages: number | undefined;
  readonly tableElements: number | undefined;
  /** The metering rewrite's version (`METER_VERSION`): a new rewrite never reuses an old one's output. */
  readonly meterVersion: number;
  /** True when main's WASI clock and random imports were routed to the engine's (wasi/wasi-values-rewrite.ts). */
  readonly wasiValues?: boolean | undefined;
}

/** What one rewrite and compile of a module produced; shared by every install of the same bytes under the same options. */
export interface CompiledWasm {
  readonly module: WebAssembly.Module;
  readonly shape: ModuleShape;
  readonly memoryBefore: GuestMemory | undefined;
  readonly memoryAfter: GuestMemory | undefined;
  /** What the rewrite could not keep (plugin-independent). */
  readonly notes: readonly string[];
}

function keyText(key: CompileKey): string {
  return `${key.sha256}|m${key.memoryPages ?? "-"}|t${key.tableElements ?? "-"}|v${key.meterVersion}${key.wasiValues === true ? "|w" : ""}`;
}

/**
 * Compiled modules by (wasm sha256, rewrite options), so that installing the same bytes again
 * (many plugins from one module, reinstalls) skips the rewrite and the compile and shares one
 * `WebAssembly.Module` (immutable: every install instantiates its own instance). Bounded: at
 * most `maxEntries`, least recently used evicted first. Only successes are kept; the caller
 * verifies the bytes' hash against plugin.json before it asks.
 */
export class ModuleCache {
  readonly maxEntries: number;
  readonly #entries = new Map<string, Promise<CompiledWasm>>();

  constructor(maxEntries = DEFAULT_MODULE_CACHE_SIZE) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError(`ModuleCache: maxEntries must be a whole number from 0; got ${String(maxEntries)}`);
    this.maxEntries = maxEntries;
  }

  /** Entries held (compiled or compiling). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The compiled module for `key`: the cached one, or `compile()`'s, which is kept once it
   * succeeds. A failure is not kept, and one that another install started is not shared either:
   * the caller compiles for itself, so its error names its own plugin.
   */
  get(key: CompileKey, compile: () => Promise<CompiledWasm>): Promise<CompiledWasm> {
    const id = keyText(key);
    const cached = this.#entries.get(id);
    if (cached !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, cached);
      return cached.catch(() => compile());
    }
    if (this.maxEntries === 0) return compile();
    const pending = compile();
    this.#entries.set(id, pending);
    pending.catch(() => {
      if (this.#entries.get(id) === pending) this.#entries.delete(id);
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(oldest);
    }
    return pending;
  }

  /** Forgets every entry (the modules stay alive while installed plugins use them). */
  clear(): void {
    this.#entries.clear();
  }
}

/**
 * The compiled modules every engine of this realm shares: a second engine (a test, a tenant, a
 * request handler that builds its engine per request) installing the same bytes under the same
 * limits skips the rewrite and the compile too. A `WebAssembly.Module` is immutable and every
 * install instantiates its own instance, so nothing of one engine's plugins reaches another's.
 */
export const sharedModuleCache = new ModuleCache();
