/**
 * The stores (namespaces) of a Threadspace database. Every driver has all of them; keys are
 * strings, compared by UTF-16 code unit (JavaScript's `<`, IndexedDB's order).
 */
export type StoreName =
  /** Installed plugins: manifest and wasm bytes, keyed by plugin name. */
  | "bundles"
  /** Permission grants, keyed by plugin name. */
  | "grants"
  /** Config overrides, keyed by plugin name. */
  | "config"
  /** Memories, keyed by id. */
  | "memories"
  /** Thread heads, keyed by id. */
  | "threads"
  /** Thread entries, keyed by `key(threadId, seqKey(seq))`. */
  | "entries"
  /** Per-plugin key-value state, keyed by `key(plugin, key)`. */
  | "kv"
  /** Health history (counters, last error, last check), keyed by plugin name. */
  | "health"
  /** The bounded event log, keyed by `seqKey(n)`. */
  | "events"
  /** Whose data is kept under a plugin name (the wasm's sha256, the signer), keyed by plugin name. */
  | "owners";

/** Every store, in a fixed order (drivers create them all; new stores are only ever appended). */
export const STORE_NAMES: readonly StoreName[] = ["bundles", "grants", "config", "memories", "threads", "entries", "kv", "health", "events", "owners"];

/**
 * What a store holds: JSON values plus `Uint8Array` (wasm bytes). Numbers are float64 (NaN and
 * ±Infinity survive); `undefined`, functions, class instances, other typed arrays, cycles and
 * strings with lone surrogates are refused by every driver alike.
 */
export type StorageValue = null | boolean | number | string | Uint8Array | readonly StorageValue[] | { readonly [key: string]: StorageValue };

/** Marks a write as a delete: `{ store, key, value: DELETE }`. */
export const DELETE: unique symbol = Symbol.for("threadspace.storage.delete");

/** One write of a commit: a put, or a delete when `value` is {@link DELETE}. */
export interface StorageWrite {
  readonly store: StoreName;
  readonly key: string;
  readonly value: StorageValue | typeof DELETE;
}

/** One stored entry, as `scan` returns it. */
export interface StorageEntry<V = StorageValue> {
  readonly key: string;
  readonly value: V;
}

/** What `scan` takes. Every given condition applies; entries come in key order. */
export interface ScanOptions {
  /** Only keys starting with this. */
  readonly prefix?: string | undefined;
  /** Only keys `>=` this (to page on: pass the last key seen plus `"\u0000"`). */
  readonly start?: string | undefined;
  /** At most this many entries (default: all). */
  readonly limit?: number | undefined;
}

/** Options of {@link StorageDriver.commit}. */
export interface CommitOptions {
  /**
   * The caller hands the batch's values over: nothing else holds them or changes them from the
   * call on (the engine's plugin-call commits build fresh rows). A driver may then store them
   * without its defensive copy; they are validated all the same, and a `Uint8Array` view is
   * still stored as its own bytes. Default false. (The IndexedDB driver uses it: the browser's
   * structured clone at `put` is copy enough.)
   */
  readonly handOver?: boolean | undefined;
}

/**
 * Where Threadspace keeps its state. Few methods on purpose: a plugin call's writes reach the
 * driver as ONE `commit`, which is all-or-nothing; reads happen at start (the engine loads its
 * caches) and for the embedder's queries.
 *
 * Rules every driver keeps (checked by the contract suite `test/contract/storage-driver.contract.ts`):
 * - values go in and come out as copies: changing an object after `commit` or after `get`
 *   never changes what is stored;
 * - `commit` applies every write of the batch or none (an invalid value, a full disk, a quota
 *   error or a crash leaves nothing of the batch), in the order commits were called, and
 *   resolves only once the batch is durable as the driver promises;
 * - failures are `ThreadspaceError`s: `bad_input` (a value or key that cannot be stored),
 *   `quota_exceeded` (the browser's or the disk's space ran out), `storage_unavailable`
 *   (closed, deleted, upgraded elsewhere, unreadable).
 *
 * @example
 * await driver.commit([
 *   { store: "kv", key: key("hello", "count"), value: 1 },
 *   { store: "kv", key: key("hello", "old"), value: DELETE },
 * ]);
 * const count = await driver.get("kv", key("hello", "count")); // 1
 */
export interface StorageDriver {
  /** The driver's name, for messages (`memory`, `indexeddb`, `file`, `durable-object`). */
  readonly name: string;
  /** A copy of the value under `key`, or `undefined`. */
  get(store: StoreName, key: string): Promise<StorageValue | undefined>;
  /** Entries in key order, filtered by `options`. */
  scan(store: StoreName, options?: ScanOptions): Promise<StorageEntry[]>;
  /** Applies every write, or none; concurrent commits are applied one after another, in call order. */
  commit(batch: readonly StorageWrite[], options?: CommitOptions): Promise<void>;
  /** Empties one store, or every store. */
  clear?(store?: StoreName): Promise<void>;
  /** Bytes of the keys and values under `prefix` (see `byteSize`), for quotas and diagnostics. */
  usage?(store: StoreName, prefix?: string): Promise<number>;
  /** Waits for pending commits, then releases the driver; every later use fails with `storage_unavailable`. */
  close(): Promise<void>;
}
