import type { ScanOptions } from "./types.ts";

/**
 * One store held in memory: a `Map` plus a sorted key list rebuilt lazily (only when a scan
 * follows an insert or a delete), so commits stay O(writes) and scans O(log n + found).
 * Used by the memory driver (values) and the file driver (encoded values).
 */
export class KeyedTable<V> {
  readonly #map = new Map<string, V>();
  #sorted: string[] | undefined = [];

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (this.#sorted !== undefined && !this.#map.has(key)) this.#sorted = undefined;
    this.#map.set(key, value);
  }

  delete(key: string): boolean {
    const existed = this.#map.delete(key);
    if (existed) this.#sorted = undefined;
    return existed;
  }

  clear(): void {
    this.#map.clear();
    this.#sorted = [];
  }

  /** Every entry, in no particular order. */
  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  /** Entries in key order matching `options`. */
  *scan(options: ScanOptions = {}): Generator<[string, V]> {
    const keys = (this.#sorted ??= [...this.#map.keys()].sort(compareKeys));
    const prefix = options.prefix ?? "";
    const from = options.start !== undefined && options.start > prefix ? options.start : prefix;
    const limit = options.limit ?? Infinity;
    let count = 0;
    for (let i = lowerBound(keys, from); i < keys.length && count < limit; i++) {
      const k = keys[i] as string;
      if (!k.startsWith(prefix)) break;
      yield [k, this.#map.get(k) as V];
      count++;
    }
  }
}

/** UTF-16 code-unit order, the order IndexedDB uses for string keys. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
