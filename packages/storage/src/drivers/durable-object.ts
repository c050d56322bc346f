import { ThreadspaceError, isThreadspaceError } from "@threadspace/errors";
import { closedError, quotaError, unavailable } from "../errors.ts";
import { keyPrefix, seqKey } from "../keys.ts";
import { DELETE, STORE_NAMES, type StorageDriver, type StorageEntry, type StorageValue, type StoreName } from "../types.ts";
import { checkBatch, checkScan, checkTarget, nameOf, setOwn, utf8Length } from "../value.ts";
import { ByteReader, decodeValue, encodeValue, measureValue } from "./codec.ts";
import type { DurableObjectOperationsLike, DurableObjectStorageLike, DurableObjectStorageOptions } from "./durable-object-types.ts";
import { fromUtf8Order, toUtf8Order, wellFormedHead } from "./utf8-order.ts";

export type { DurableObjectListOptionsLike, DurableObjectOperationsLike, DurableObjectStorageLike, DurableObjectStorageOptions } from "./durable-object-types.ts";

const NAME = "durable-object";
// Cloudflare's limits for key-value-backed objects (SQLite-backed ones allow more; local workerd enforces none).
/** Keys per `get`, `put` or `delete` call: larger batches are split into several calls. */
export const DO_MAX_KEYS_PER_CALL = 128;
/** UTF-8 bytes of a stored key: longer keys are `bad_input`. */
export const DO_MAX_KEY_BYTES = 2048;
/** Bytes of a stored value: larger encoded values are split into chunks of this size. */
export const DO_MAX_VALUE_BYTES = 128 * 1024;
/** Where the chunks of large values live: outside every store's key range. */
const CHUNKS = "\u0001";
/** `"\u0000" + seqKey(i)` after a value's stored key names its chunk `i`. */
const CHUNK_SUFFIX_LENGTH = 1 + seqKey(0).length;

/** A stored value: its encoding (`encodeValue`) when it fits in one Durable Object value, else this header, with the chunks under `CHUNKS`. */
interface ChunkedHeader {
  readonly chunks: number;
  readonly size: number;
}

/** One key's planned writes (the last write of a batch to it wins). */
interface Planned {
  readonly name: string;
  readonly chunkBase: string;
  /** Encoded value, or undefined to delete. */
  readonly bytes: Uint8Array | undefined;
}

const inGroups = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += DO_MAX_KEYS_PER_CALL) out.push(items.slice(i, i + DO_MAX_KEYS_PER_CALL));
  return out;
};

const isHeader = (value: unknown): value is ChunkedHeader => typeof value === "object" && value !== null && !(value instanceof Uint8Array) && typeof (value as ChunkedHeader).chunks === "number";

/** Maps what the Durable Object's storage threw to a ThreadspaceError. */
function storageError(error: unknown, doing: string): ThreadspaceError {
  if (isThreadspaceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_FULL|disk is full|exceeded allowed storage|storage limit/i.test(message)) {
    return quotaError(NAME, `the Durable Object's storage is full (10 GB per SQLite-backed object) while ${doing}; nothing of the commit was written. Delete data (plugins' kv, memories, threads) or spread it over several objects.`, error);
  }
  if (error instanceof RangeError || /larger than|too large|too big/i.test(message)) {
    return new ThreadspaceError("bad_input", `storage (${NAME}): the Durable Object refused a key or value while ${doing} (${message}); nothing of the commit was written.`, { cause: error });
  }
  return unavailable(NAME, `the Durable Object's storage failed while ${doing} (${message}). The object may have been reset (a deploy, an exceeded limit, a failed write); retry from a new request, which gets a new instance.`, error);
}

/**
 * A driver on a Cloudflare Durable Object's transactional storage (`ctx.storage`, SQLite- or
 * key-value-backed). Every commit is one `storage.transaction`, so a batch is all-or-nothing;
 * the object's output gate holds its replies until the writes are durable. Values are stored in
 * the package's binary encoding, split into chunks of 128 KiB (Cloudflare's value limit) when
 * larger; keys are rewritten so the object's UTF-8 key order is the UTF-16 order of every other
 * driver. Keys may be at most about 2 KiB in UTF-8 (store name and chunk suffix included).
 *
 * @example
 * export class Engines extends DurableObject {
 *   engine = createEngine({ storage: durableObjectStorage(this.ctx.storage) });
 * }
 */
export function durableObjectStorage(storage: DurableObjectStorageLike, options: DurableObjectStorageOptions = {}): StorageDriver {
  const root = options.prefix ?? "";
  const storePrefix = (store: StoreName): string => root + keyPrefix(store);
  const chunkPrefix = (store: StoreName): string => root + CHUNKS + keyPrefix(store);
  const chunkKey = (base: string, i: number): string => `${base}\u0000${seqKey(i)}`;
  let closed = false;
  /** Every operation runs after the ones called before it: reads see earlier commits, a value and its chunks are never read half-written. */
  let tail: Promise<unknown> = Promise.resolve();
  const queue = <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run).catch((error: unknown) => {
      throw storageError(error, doing);
    });
    tail = result.catch(() => undefined);
    return result;
  };
  const open = (): void => {
    if (closed) throw closedError(NAME);
  };

  /** Reads values as stored (bytes or chunk headers) into their decoded form. */
  async function load(ops: DurableObjectOperationsLike, store: StoreName, stored: string, raw: unknown): Promise<StorageValue> {
    if (raw instanceof Uint8Array) return decodeValue(raw);
    if (!isHeader(raw)) throw unavailable(NAME, `the entry ${store} ${JSON.stringify(fromUtf8Order(stored))} is not one this driver wrote; another writer shares the object's keys (use the prefix option).`);
    const base = chunkPrefix(store) + stored;
    const keys = Array.from({ length: raw.chunks }, (_, i) => chunkKey(base, i));
    const parts = (await Promise.all(inGroups(keys).map((group) => ops.get(group)))).reduce((all, map) => (map.forEach((v, k) => all.set(k, v)), all), new Map<string, unknown>());
    const bytes = new Uint8Array(keys.reduce((n, k) => n + ((parts.get(k) as Uint8Array | undefined)?.byteLength ?? 0), 0));
    let at = 0;
    for (const k of keys) {
      const part = parts.get(k);
      if (!(part instanceof Uint8Array)) throw unavailable(NAME, `a chunk of ${store} ${JSON.stringify(fromUtf8Order(stored))} is missing; the object's storage was changed by another writer.`);
      bytes.set(part, at);
      at += part.byteLength;
    }
    return decodeValue(bytes);
  }

  /** Writes one transaction's plan: puts and deletes by groups of 128 keys, stale chunks removed. */
  async function apply(txn: DurableObjectOperationsLike, plan: readonly Planned[]): Promise<void> {
    const previous = new Map<string, unknown>();
    for (const group of inGroups(plan.map((p) => p.name))) (await txn.get(group)).forEach((v, k) => previous.set(k, v));
    const puts: [string, Uint8Array | ChunkedHeader][] = [];
    const deletes: string[] = [];
    for (const { name, chunkBase, bytes } of plan) {
      const old = previous.get(name);
      let chunks = 0;
      if (bytes === undefined) {
        if (old !== undefined) deletes.push(name);
      } else if (bytes.byteLength <= DO_MAX_VALUE_BYTES) {
        puts.push([name, bytes]);
      } else {
        chunks = Math.ceil(bytes.byteLength / DO_MAX_VALUE_BYTES);
        puts.push([name, { chunks, size: measureValue(new ByteReader(bytes)) }]);
        for (let i = 0; i < chunks; i++) puts.push([chunkKey(chunkBase, i), bytes.slice(i * DO_MAX_VALUE_BYTES, (i + 1) * DO_MAX_VALUE_BYTES)]);
      }
      if (isHeader(old)) for (let i = chunks; i < old.chunks; i++) deletes.push(chunkKey(chunkBase, i));
    }
    const pending: Promise<unknown>[] = [];
    for (const group of inGroups(puts)) {
      const entries: Record<string, unknown> = {};
      for (const [k, v] of group) setOwn(entries, k, v);
      pending.push(txn.put(entries));
    }
    for (const group of inGroups(deletes)) pending.push(txn.delete(group));
    await Promise.all(pending);
  }

  /** The stored entries of a scan, with the exact filter when a bound had to be widened. */
  async function list(store: StoreName, prefix: string, start: string | undefined, limit: number | undefined): Promise<[string, unknown][]> {
    const exact = wellFormedHead(prefix) === prefix && (start === undefined || wellFormedHead(start) === start);
    const base = storePrefix(store);
    const listed = await storage.list({
      prefix: base + toUtf8Order(wellFormedHead(prefix)),
      ...(start === undefined ? {} : { start: base + toUtf8Order(wellFormedHead(start)) }),
      ...(exact && limit !== undefined ? { limit } : {}),
    });
    const out: [string, unknown][] = [];
    for (const [stored, raw] of listed) {
      const k = stored.slice(base.length);
      if (!exact) {
        const original = fromUtf8Order(k);
        if (!original.startsWith(prefix) || (start !== undefined && original < start)) continue;
        if (limit !== undefined && out.length >= limit) break;
      }
      out.push([k, raw]);
    }
    return out;
  }

  async function removeStore(store: StoreName): Promise<void> {
    for (const prefix of [storePrefix(store), chunkPrefix(store)]) {
      for (;;) {
        const keys = [...(await storage.list({ prefix, limit: DO_MAX_KEYS_PER_CALL })).keys()];
        if (keys.length === 0) break;
        await storage.delete(keys);
      }
    }
  }

  return {
    name: NAME,
    async get(store, key) {
      checkTarget(store, key);
      open();
      return queue(`reading ${nameOf({ store, key })}`, async () => {
        const stored = toUtf8Order(key);
        const raw = (await storage.get([storePrefix(store) + stored])).values().next().value;
        return raw === undefined ? undefined : load(storage, store, stored, raw);
      });
    },
    async scan(store, options = {}) {
      checkScan(store, options);
      open();
      const { prefix = "", start, limit } = options;
      if (limit === 0) return queue(`scanning ${store}`, async () => []);
      return queue(`scanning ${store}`, async () => {
        const out: StorageEntry[] = [];
        for (const [stored, raw] of await list(store, prefix, start, limit)) out.push({ key: fromUtf8Order(stored), value: await load(storage, store, stored, raw) });
        return out;
      });
    },
    async commit(batch) {
      open();
      const writes = checkBatch(batch, false);
      const plan = new Map<string, Planned>();
      for (const write of writes) {
        const stored = toUtf8Order(write.key);
        const name = storePrefix(write.store) + stored;
        const chunkBase = chunkPrefix(write.store) + stored;
        if (utf8Length(chunkBase) + CHUNK_SUFFIX_LENGTH > DO_MAX_KEY_BYTES) {
          throw new ThreadspaceError("bad_input", `storage (${NAME}): the key of ${nameOf(write)} is too long for a Durable Object (${utf8Length(chunkBase) + CHUNK_SUFFIX_LENGTH} bytes with the store name and chunk suffix; at most ${DO_MAX_KEY_BYTES}); nothing of the commit was written. Use shorter keys.`);
        }
        plan.delete(name); // keeps the map in the batch's last-write order
        plan.set(name, { name, chunkBase, bytes: write.value === DELETE ? undefined : encodeValue(write.value).slice() });
      }
      if (plan.size === 0) return queue("committing", async () => undefined);
      return queue(`committing ${plan.size} writes`, () => storage.transaction((txn) => apply(txn, [...plan.values()])));
    },
    async clear(store) {
      if (store !== undefined) checkTarget(store, "");
      open();
      return queue(`clearing ${store ?? "every store"}`, async () => {
        for (const name of store === undefined ? STORE_NAMES : [store]) await removeStore(name);
      });
    },
    async usage(store, prefix = "") {
      checkScan(store, { prefix });
      open();
      return queue(`measuring ${store}`, async () => {
        let total = 0;
        for (const [stored, raw] of await list(store, prefix, undefined, undefined)) {
          total += utf8Length(fromUtf8Order(stored)) + (raw instanceof Uint8Array ? measureValue(new ByteReader(raw)) : isHeader(raw) ? raw.size : 0);
        }
        return total;
      });
    },
    async close() {
      closed = true;
      await tail;
    },
  };
}
