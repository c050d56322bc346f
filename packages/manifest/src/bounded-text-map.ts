/**
 * A map from strings to values that keeps at most `capacity` entries, dropping the least
 * recently used one first (a `Map` keeps insertion order; a hit moves its key to the end).
 */
export class BoundedTextMap<V> {
  readonly #entries = new Map<string, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The value stored under exactly `key`, marked as the most recently used. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value` under `key`, dropping the least recently used entry when full. */
  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
}
