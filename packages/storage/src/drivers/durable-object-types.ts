/**
 * The part of a Cloudflare Durable Object's storage (`ctx.storage`, `DurableObjectStorage` in
 * @cloudflare/workers-types) that `durableObjectStorage` uses: structurally typed, so this
 * package needs no Workers types.
 */
export interface DurableObjectListOptionsLike {
  readonly start?: string;
  readonly prefix?: string;
  readonly limit?: number;
}

/** Reads and writes of the storage, or of one transaction in it. */
export interface DurableObjectOperationsLike {
  get(keys: string[]): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list(options?: DurableObjectListOptionsLike): Promise<Map<string, unknown>>;
}

/** `ctx.storage` of a Durable Object (SQLite- or key-value-backed). */
export interface DurableObjectStorageLike extends DurableObjectOperationsLike {
  transaction<T>(closure: (txn: DurableObjectOperationsLike) => Promise<T>): Promise<T>;
}

/** Options of `durableObjectStorage`. */
export interface DurableObjectStorageOptions {
  /**
   * Put before every key the driver writes, to share the object's storage with keys of your
   * own (default `""`: the driver's keys start with a store name, `kv\u0000...`, or `\u0001`).
   */
  readonly prefix?: string;
}
