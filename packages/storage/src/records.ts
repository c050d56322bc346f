import { ThreadspaceError } from "@threadspace/errors";
import { key } from "./keys.ts";
import { DELETE, type ScanOptions, type StorageDriver, type StorageEntry, type StorageValue, type StorageWrite, type StoreName } from "./types.ts";

type Json = StorageValue;
type JsonObject = { readonly [key: string]: StorageValue };

/** A `bundles` record as version 1 wrote it (no `v`): it keeps nothing of a `.tsp`'s signature. */
export type BundleRecordV1 = {
  /** plugin.json as installed (text, so that it is validated again exactly as written). */
  readonly manifest: string;
  readonly wasm: Uint8Array;
  /** `sha256:<hex>` of `wasm`, checked again before compiling. */
  readonly hash: string;
  readonly installedAt: number;
  /** False after `unload`: installed, but not started on load. */
  readonly enabled: boolean;
};

/** What a bundle record keeps of the `.tsp` it was installed from, to check its signature again on load. */
export type PackedRecord = {
  /** plugin.json's exact bytes in the `.tsp` (its signature covers their sha256); the plugin is started from these. */
  readonly manifest: Uint8Array;
  /** signature.json's content; absent when the `.tsp` was not signed. */
  readonly signature?: JsonObject;
};

/** The version of `bundles` records this code writes. */
export const BUNDLE_RECORD_VERSION = 2;

/**
 * `bundles`, keyed by plugin name: what is needed to start the plugin again after a reload.
 * Version 2 adds `packed` for plugins installed from a `.tsp`. Read stored records with
 * {@link upgradeBundleRecord}.
 */
export type BundleRecord = BundleRecordV1 & {
  readonly v: typeof BUNDLE_RECORD_VERSION;
  readonly packed?: PackedRecord;
  /**
   * The modules linked with `wasm` (plugin.json `modules`), by name, as installed; each is
   * checked again on load against its plugin.json `hash` when it has one, and against `moduleHashes`.
   * A Threadspace that does not know this field refuses such a plugin on load (plugin.json names
   * modules it is not given) rather than starting it without them.
   */
  readonly modules?: { readonly [name: string]: Uint8Array };
  /** `sha256:<hex>` of each of `modules`, by name. */
  readonly moduleHashes?: { readonly [name: string]: string };
};

/** A `bundles` record as stored: any version this code reads. */
export type StoredBundleRecord = BundleRecordV1 | BundleRecord;

/**
 * Reads a stored `bundles` record as the current version. A version 1 record (no `v`) becomes
 * version 2 without `packed`: whatever it was installed from, no signature was kept. A record of
 * a newer version is refused (`storage_unavailable`).
 *
 * @example
 * for (const { key: name, value } of await typedStore(storage, "bundles").scan()) start(name, upgradeBundleRecord(value));
 */
export function upgradeBundleRecord(record: StoredBundleRecord): BundleRecord {
  const version = "v" in record ? record.v : 1;
  if (version === BUNDLE_RECORD_VERSION) return record as BundleRecord;
  if (version === 1) return { ...record, v: BUNDLE_RECORD_VERSION };
  throw new ThreadspaceError("storage_unavailable", `storage: a bundle record of version ${String(version)} was written by a newer Threadspace (this one reads up to ${BUNDLE_RECORD_VERSION}); it is left as it is.`);
}

/** `grants`, keyed by plugin identity `name@sha256:<hex>` (before: the bare sha256, read as the stored bundle with that hash). */
export type GrantRecord = { readonly permissions: readonly string[]; readonly explicit?: boolean };

/** `config`, keyed by plugin name: the embedder's overrides (the defaults come from plugin.json). */
export type ConfigRecord = { readonly overrides: JsonObject };

/** `memories`, keyed by id. `owner` is the plugin whose quota it counts against (`"host"` for the embedder). */
export type MemoryRow = {
  readonly id: string;
  readonly content: string;
  readonly tags: readonly string[];
  readonly threadId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly owner: string;
};

/** `threads`, keyed by id. */
export type ThreadRow = { readonly id: string; readonly title: string; readonly metadata: JsonObject; readonly createdAt: number; readonly owner: string };

/** `entries`, keyed by `key(threadId, seq)`. */
export type EntryRow = { readonly seq: number; readonly author: string; readonly content: string; readonly at: number; readonly owner: string };

/**
 * `health`, keyed by plugin name: the plugin's health history, counted since it was installed
 * (across reloads and restarts of the engine); rewritten as a whole, behind the calls.
 */
export type HealthRow = {
  readonly calls: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Times the circuit breaker opened. */
  readonly circuitOpens: number;
  readonly lastError?: string;
  readonly lastErrorCode?: string;
  readonly lastErrorAt?: number;
  /** The last polled `health_check`. */
  readonly lastCheck?: { readonly at: number; readonly status: string; readonly message: string };
  /** When counting began (ms since the epoch). */
  readonly since: number;
};

/** `events`, keyed by `seqKey(seq)`: the bounded event log. */
export type EventRow = { readonly seq: number; readonly topic: string; readonly payload: Json; readonly source: string; readonly at: number };

/**
 * `owners`, keyed by plugin name: the plugin the data under that name (kv, memories, threads)
 * belongs to, so that a different plugin installed later under the name does not inherit it
 * unless the embedder hands it over. `hash` is the wasm's `sha256:<hex>` (null for a precompiled
 * module), `signer` the key id of a signed `.tsp` (null when unsigned).
 */
export type OwnerRecord = { readonly hash: string | null; readonly signer: string | null; readonly since: number };

/** What each store holds. `kv` holds any value. */
export type StoreRecords = {
  bundles: StoredBundleRecord;
  grants: GrantRecord;
  config: ConfigRecord;
  memories: MemoryRow;
  threads: ThreadRow;
  entries: EntryRow;
  kv: StorageValue;
  health: HealthRow;
  events: EventRow;
  owners: OwnerRecord;
};

/**
 * A typed view of one store: reads return its record type, writes are built for a batch.
 *
 * @example
 * const bundles = typedStore(storage, "bundles");
 * for (const { key: name, value } of await bundles.scan()) start(name, value.manifest, value.wasm);
 */
export function typedStore<S extends StoreName>(driver: StorageDriver, store: S) {
  return {
    get: (k: string) => driver.get(store, k) as Promise<StoreRecords[S] | undefined>,
    scan: (options?: ScanOptions) => driver.scan(store, options) as Promise<StorageEntry<StoreRecords[S]>[]>,
    put: (k: string, value: StoreRecords[S]): StorageWrite => ({ store, key: k, value: value as StorageValue }),
    delete: (k: string): StorageWrite => ({ store, key: k, value: DELETE }),
  };
}

/**
 * The writes of one commit, built with typed puts and deletes.
 *
 * @example
 * const batch = new WriteBatch().put("grants", "hello", { permissions: ["kv"] }).delete("kv", key("hello", "old"));
 * await storage.commit(batch.writes);
 */
export class WriteBatch {
  readonly writes: StorageWrite[] = [];

  put<S extends StoreName>(store: S, k: string, value: StoreRecords[S]): this {
    this.writes.push({ store, key: k, value: value as StorageValue });
    return this;
  }

  delete(store: StoreName, k: string): this {
    this.writes.push({ store, key: k, value: DELETE });
    return this;
  }

  get size(): number {
    return this.writes.length;
  }
}

/**
 * Appends record `seq` to a bounded log (`events`, or a log of its own under `parts`) and
 * deletes record `seq - keep`, so the log never holds more than `keep` records.
 * Sequence numbers must count up by one (0, 1, 2, ...).
 *
 * @example
 * appendBounded(batch, "events", [], seq, row, 1000);        // key: seqKey(seq)
 */
export function appendBounded<S extends "events">(batch: WriteBatch, store: S, parts: readonly string[], seq: number, value: StoreRecords[S], keep: number): WriteBatch {
  batch.put(store, key(...parts, seq), value);
  if (seq >= keep) batch.delete(store, key(...parts, seq - keep));
  return batch;
}
