import { ThreadspaceError } from "@threadspace/errors";
import { splitKey } from "./keys.ts";
import { DELETE, type StorageDriver, type StorageValue, type StorageWrite, type StoreName } from "./types.ts";
import { entrySize } from "./value.ts";

/** Default per-plugin quota: 10 MiB. */
export const DEFAULT_QUOTA_BYTES = 10 * 1024 * 1024;

/** The stores whose entries count against a plugin's quota. */
export const QUOTA_STORES: readonly StoreName[] = ["kv", "memories", "threads", "entries"];

/** Which plugin an entry counts against, or `undefined` for none (the embedder's data, engine records). */
export type OwnerOf = (store: StoreName, key: string, value: StorageValue) => string | undefined;

/**
 * The default owner rule: a `kv` entry belongs to the first part of its key (`key(plugin, name)`);
 * a memory, thread or entry to its `owner` field (the plugin that wrote it; `"host"` is nobody's).
 */
export const defaultOwnerOf: OwnerOf = (store, key, value) => {
  if (store === "kv") return splitKey(key)[0];
  if (store !== "memories" && store !== "threads" && store !== "entries") return undefined;
  const owner = typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value) ? (value as { owner?: unknown }).owner : undefined;
  return typeof owner === "string" && owner !== "host" ? owner : undefined;
};

/** Options of {@link QuotaLedger}. */
export interface QuotaOptions {
  /** Bytes each plugin may use (default {@link DEFAULT_QUOTA_BYTES}). */
  readonly limitBytes?: number | undefined;
  /** A plugin's own limit (its `limits.storageBytes`, capped by the host's policy); `undefined` falls back to `limitBytes`. */
  readonly limitOf?: ((plugin: string) => number | undefined) | undefined;
  /** Who owns an entry (default {@link defaultOwnerOf}). */
  readonly ownerOf?: OwnerOf | undefined;
}

/** A checked change of usage, applied once its commit succeeded. */
export interface QuotaPlan {
  /** Bytes each affected plugin uses after the commit (counting other commits in flight). */
  readonly usage: ReadonlyMap<string, number>;
  /** Records the commit's effect on the ledger (call after `driver.commit` resolved). */
  apply(): void;
  /** Drops the plan's reservation (call when the commit failed). */
  cancel(): void;
}

interface Owned {
  readonly owner: string;
  readonly size: number;
}

/** One write's effect on the ledger: the entry it leaves under `key` (none: deleted or unowned). */
interface Change {
  readonly entries: Map<string, Owned>;
  readonly key: string;
  readonly next: Owned | undefined;
}


/**
 * Bytes used per plugin (key + value sizes, as `byteSize` counts them, of the entries it owns),
 * kept in memory and checked before each commit, so the check costs O(writes), not a scan.
 * A batch that would take a plugin over its limit fails with `quota_exceeded` and changes
 * nothing; a batch that only shrinks a plugin's data always passes (so a plugin over a lowered
 * limit can still delete).
 *
 * @example
 * const quota = await QuotaLedger.load(storage, { limitBytes: 10 * 1024 * 1024 });
 * await commitWithQuota(storage, quota, batch); // throws quota_exceeded, keeping earlier data
 */
export class QuotaLedger {
  /** Owned entries per store, by key (no composite key to build and hash per write). */
  readonly #entries = new Map<StoreName, Map<string, Owned>>();
  readonly #usage = new Map<string, number>();
  /** Growth of plans whose commit has not settled yet. */
  readonly #reserved = new Map<string, number>();
  readonly #limitBytes: number;
  readonly #limitOf: (plugin: string) => number | undefined;
  readonly #ownerOf: OwnerOf;

  constructor(options: QuotaOptions = {}) {
    this.#limitBytes = options.limitBytes ?? DEFAULT_QUOTA_BYTES;
    this.#limitOf = options.limitOf ?? (() => undefined);
    this.#ownerOf = options.ownerOf ?? defaultOwnerOf;
  }

  /** A ledger filled from everything stored in the quota stores. */
  static async load(driver: StorageDriver, options: QuotaOptions = {}): Promise<QuotaLedger> {
    const ledger = new QuotaLedger(options);
    for (const store of QUOTA_STORES) for (const { key, value } of await driver.scan(store)) ledger.track(store, key, value);
    return ledger;
  }

  /** Counts an entry that is already stored (when the engine loads its state). */
  track(store: StoreName, key: string, value: StorageValue): void {
    const owner = this.#ownerOf(store, key, value);
    if (owner === undefined) return;
    const entries = this.#store(store);
    const previous = entries.get(key);
    if (previous !== undefined) this.#usage.set(previous.owner, (this.#usage.get(previous.owner) ?? 0) - previous.size);
    const size = entrySize(key, value);
    entries.set(key, { owner, size });
    this.#usage.set(owner, (this.#usage.get(owner) ?? 0) + size);
  }

  #store(store: StoreName): Map<string, Owned> {
    let entries = this.#entries.get(store);
    if (entries === undefined) {
      entries = new Map();
      this.#entries.set(store, entries);
    }
    return entries;
  }

  /** Bytes `plugin` uses. */
  usage(plugin: string): number {
    return this.#usage.get(plugin) ?? 0;
  }

  /** The limit that applies to `plugin`. */
  limit(plugin: string): number {
    return this.#limitOf(plugin) ?? this.#limitBytes;
  }

  /** The entries that count against `plugin`, by store (to remove or hand over its data). */
  ownedBy(plugin: string): { store: StoreName; key: string }[] {
    const out: { store: StoreName; key: string }[] = [];
    for (const [store, entries] of this.#entries) for (const [key, owned] of entries) if (owned.owner === plugin) out.push({ store, key });
    return out;
  }

  /** Forgets every entry of `plugin` (after its data was deleted, e.g. on uninstall). */
  forget(plugin: string): void {
    for (const entries of this.#entries.values()) for (const [key, owned] of entries) if (owned.owner === plugin) entries.delete(key);
    this.#usage.delete(plugin);
  }

  /**
   * Checks what `batch` does to each owner's usage. Throws `quota_exceeded` (naming the plugin,
   * its usage and its limit) when a plugin would grow past its limit; otherwise returns the plan
   * to {@link QuotaPlan.apply} after the commit. `{ check: false }` only counts (writes already
   * made, such as the embedder's write-behind).
   */
  plan(batch: readonly StorageWrite[], options: { readonly check?: boolean } = {}): QuotaPlan {
    const check = options.check ?? true;
    // A call's batch is checked on the hot path of every storing call (bench/storage): per write,
    // map lookups under the write's own key, no composite key to build.
    const changes: Change[] = new Array<Change>(batch.length);
    /** What earlier writes of this batch left, per store (an entry written twice counts once). */
    const written = new Map<Map<string, Owned>, Map<string, Owned | undefined>>();
    const delta = new Map<string, number>();
    const add = (owner: string, bytes: number) => delta.set(owner, (delta.get(owner) ?? 0) + bytes);
    for (let i = 0; i < batch.length; i++) {
      const write = batch[i] as StorageWrite;
      const entries = this.#store(write.store);
      let seen = written.get(entries);
      if (seen === undefined) {
        seen = new Map();
        written.set(entries, seen);
      }
      const previous = seen.has(write.key) ? seen.get(write.key) : entries.get(write.key);
      if (previous !== undefined) add(previous.owner, -previous.size);
      const owner = write.value === DELETE ? undefined : this.#ownerOf(write.store, write.key, write.value);
      const next = owner === undefined ? undefined : { owner, size: entrySize(write.key, write.value as StorageValue) };
      if (next !== undefined) add(next.owner, next.size);
      seen.set(write.key, next);
      changes[i] = { entries, key: write.key, next };
    }
    const usage = new Map<string, number>();
    for (const [owner, bytes] of delta) {
      const after = this.usage(owner) + (this.#reserved.get(owner) ?? 0) + bytes;
      usage.set(owner, after);
      const limit = this.limit(owner);
      if (check && bytes > 0 && after > limit) {
        throw new ThreadspaceError("quota_exceeded", `storage: this write needs ${after} bytes for the plugin's data, over its quota of ${limit} bytes; nothing of it was kept and earlier data is intact. Delete data the plugin no longer needs, or raise limits.storageBytes.`, { plugin: owner });
      }
    }
    // Growth is reserved until the commit settles, so concurrent commits cannot overshoot together.
    for (const [owner, bytes] of delta) if (bytes > 0) this.#reserved.set(owner, (this.#reserved.get(owner) ?? 0) + bytes);
    let settled = false;
    const release = () => {
      for (const [owner, bytes] of delta) {
        if (bytes <= 0) continue;
        const left = (this.#reserved.get(owner) ?? 0) - bytes;
        if (left <= 0) this.#reserved.delete(owner);
        else this.#reserved.set(owner, left);
      }
    };
    return {
      usage,
      apply: () => {
        if (settled) return;
        settled = true;
        release();
        for (const { entries, key, next } of changes) {
          const previous = entries.get(key);
          if (previous !== undefined) this.#usage.set(previous.owner, (this.#usage.get(previous.owner) ?? 0) - previous.size);
          if (next === undefined) entries.delete(key);
          else {
            entries.set(key, next);
            this.#usage.set(next.owner, (this.#usage.get(next.owner) ?? 0) + next.size);
          }
        }
        for (const owner of delta.keys()) if (this.#usage.get(owner) === 0) this.#usage.delete(owner);
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        release();
      },
    };
  }
}

/** Checks `batch` against the quota, commits it, then records its usage. Throws `quota_exceeded` before writing anything. */
export async function commitWithQuota(driver: StorageDriver, ledger: QuotaLedger, batch: readonly StorageWrite[]): Promise<void> {
  const plan = ledger.plan(batch);
  try {
    await driver.commit(batch);
  } catch (error) {
    plan.cancel();
    throw error;
  }
  plan.apply();
}
