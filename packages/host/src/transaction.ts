import type { StorageWrite } from "@threadspace/storage";
import type { HostCallTap } from "./host-tap.ts";

const DELETED: unique symbol = Symbol("deleted");
type Slot<V> = V | typeof DELETED;

/**
 * How the host stores what plugin calls and the embedder commit: given to `Host` (and its
 * `HostState`) when it is built, once, by the engine's composition root (a storage driver's
 * `Committer`, or the in-memory quota ledger). Absent: everything stays in memory.
 */
export interface HostPersistence {
  /**
   * Stores a transaction before it applies (quota check, one driver commit, then `apply`):
   * `undefined` when it applied synchronously, else a promise that settles once it is stored and
   * applied, or rejects with the transaction aborted. Plugin calls and the embedder's
   * `{ durable: true }` writes go through it.
   */
  commit(tx: CallTransaction): Promise<void> | undefined;
  /** Stores writes that already applied (the embedder's write-behind writes); a failure is the persistence's to report. */
  behind(writes: readonly StorageWrite[], actor: string): void;
}

/**
 * Where a store's committed writes go besides memory: the host's {@link HostPersistence}, fixed
 * when the host is built. Writes committed with {@link CallTransaction.commit} (the embedder's,
 * which apply at once) are handed to `sink`; plugin calls and durable writes go through `commit`.
 */
export class StorageLink {
  readonly sink: ((writes: readonly StorageWrite[], actor: string) => void) | undefined;
  readonly commit: ((tx: CallTransaction) => Promise<void> | undefined) | undefined;

  constructor(persistence?: HostPersistence) {
    this.sink = persistence === undefined ? undefined : (writes, actor) => persistence.behind(writes, actor);
    this.commit = persistence === undefined ? undefined : (tx) => persistence.commit(tx);
  }
}

/**
 * Runs `work` in a fresh transaction of `actor` and commits it through `link.commit` (quota
 * check, one driver commit, then applied): resolves with `work`'s result once the writes are
 * stored and visible; rejects (nothing applied, nothing stored) when `work` throws or the commit
 * fails. Without `link.commit` (no storage) it commits in memory and resolves at once.
 */
export function storedCommit<T>(link: StorageLink | undefined, actor: string, work: (tx: CallTransaction) => T): Promise<T> {
  const tx = new CallTransaction(actor);
  let result: T;
  let stored: Promise<void> | undefined;
  try {
    result = work(tx);
    const commit = link?.commit;
    if (commit === undefined || tx.empty) tx.commit();
    else stored = commit(tx);
  } catch (error) {
    tx.abort();
    return Promise.reject(error);
  }
  return stored === undefined ? Promise.resolve(result) : stored.then(() => result);
}

/**
 * How a {@link TxMap}'s writes are stored: `writes` turns one overlay (key → value, or
 * `undefined` for a delete) into storage writes. Called when the transaction is prepared.
 */
export interface TxPersistence<K, V> {
  readonly link: StorageLink;
  writes(overlay: ReadonlyMap<K, V | undefined>, tx: CallTransaction, out: StorageWrite[]): void;
}

/**
 * A map whose writes go through a {@link CallTransaction}: inside a call, reads see the call's
 * own writes; other readers see them only after the call commits.
 */
export class TxMap<K, V> {
  readonly #base = new Map<K, V>();
  /** How committed writes are stored (none: memory only). */
  persistence: TxPersistence<K, V> | undefined = undefined;

  /** @internal Turns this map's overlay in `tx` into storage writes. */
  storageWrites(overlay: ReadonlyMap<unknown, unknown>, tx: CallTransaction, out: StorageWrite[]): void {
    if (this.persistence === undefined) return;
    const plain = new Map<K, V | undefined>();
    for (const [key, slot] of overlay) plain.set(key as K, slot === DELETED ? undefined : (slot as V));
    this.persistence.writes(plain, tx, out);
  }

  /** The value as `tx` sees it. */
  get(tx: CallTransaction, key: K): V | undefined {
    const overlay = tx.overlayOf(this);
    if (overlay?.has(key)) {
      const slot = overlay.get(key) as Slot<V>;
      return slot === DELETED ? undefined : slot;
    }
    return this.#base.get(key);
  }

  has(tx: CallTransaction, key: K): boolean {
    return this.get(tx, key) !== undefined;
  }

  set(tx: CallTransaction, key: K, value: V): void {
    tx.touch(this).set(key, value);
  }

  delete(tx: CallTransaction, key: K): boolean {
    const existed = this.has(tx, key);
    tx.touch(this).set(key, DELETED);
    return existed;
  }

  /** Every entry as `tx` sees it (committed entries with the call's writes applied). */
  *entries(tx: CallTransaction): IterableIterator<[K, V]> {
    const overlay = tx.overlayOf(this);
    for (const [key, value] of this.#base) {
      if (overlay?.has(key)) continue;
      yield [key, value];
    }
    if (overlay === undefined) return;
    for (const [key, slot] of overlay) if (slot !== DELETED) yield [key as K, slot as V];
  }

  /** Committed size (ignores uncommitted writes). */
  get size(): number {
    return this.#base.size;
  }

  /** @internal Applies a committed overlay. */
  apply(overlay: ReadonlyMap<unknown, unknown>): void {
    for (const [key, slot] of overlay) {
      if (slot === DELETED) this.#base.delete(key as K);
      else this.#base.set(key as K, slot as V);
    }
  }
}

/**
 * The writes of one plugin call (or of one embedder operation). `commit` applies them all and
 * then runs the after-commit actions (event delivery); `abort` drops them.
 */
export class CallTransaction {
  /** Who writes: a plugin name, or `"host"` for the embedder. */
  readonly actor: string;
  readonly #overlays = new Map<TxMap<unknown, unknown>, Map<unknown, unknown>>();
  readonly #afterCommit: Array<() => void> = [];
  #state: "open" | "committed" | "aborted" = "open";
  #failure: Error | undefined = undefined;
  #hostCalls = 0;
  /** Records this call's host calls, or serves their replies on replay (host-tap.ts); undefined: the live host, unrecorded. */
  tap: HostCallTap | undefined = undefined;

  constructor(actor: string) {
    this.actor = actor;
  }

  /**
   * Records why the call this transaction belongs to must fail, whatever the plugin does next
   * (a per-call limit it went over during a host call): the first failure stays. The runner
   * checks {@link failure} before it commits, and aborts instead.
   */
  fail(error: Error): void {
    this.#failure ??= error;
  }

  /** The failure recorded with {@link fail}, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Counts one host call made in this transaction; returns the count so far (with this one). */
  countHostCall(): number {
    return ++this.#hostCalls;
  }

  /** @internal The overlay of `map`, if this transaction wrote to it. */
  overlayOf(map: TxMap<unknown, unknown> | TxMap<never, never>): Map<unknown, unknown> | undefined {
    return this.#overlays.get(map as TxMap<unknown, unknown>);
  }

  /** @internal The overlay of `map`, created on first write. */
  touch(map: TxMap<unknown, unknown> | TxMap<never, never>): Map<unknown, unknown> {
    if (this.#state !== "open") throw new Error(`transaction of ${this.actor} is ${this.#state}`);
    let overlay = this.#overlays.get(map as TxMap<unknown, unknown>);
    if (overlay === undefined) {
      overlay = new Map();
      this.#overlays.set(map as TxMap<unknown, unknown>, overlay);
    }
    return overlay;
  }

  /** Runs `action` after a successful commit (in registration order); dropped on abort. */
  onCommit(action: () => void): void {
    this.#afterCommit.push(action);
  }

  /** True when nothing was written and nothing waits for the commit. */
  get empty(): boolean {
    return this.#overlays.size === 0 && this.#afterCommit.length === 0;
  }

  get state(): "open" | "committed" | "aborted" {
    return this.#state;
  }

  /**
   * Applies every write, then runs the after-commit actions. Stored maps hand their writes to
   * their link's sink afterwards (write-behind: the embedder's writes apply at once).
   */
  commit(): void {
    if (this.#state !== "open") return;
    let sink: StorageLink["sink"];
    for (const map of this.#overlays.keys()) sink ??= map.persistence?.link.sink;
    if (sink === undefined) return this.#apply();
    const { writes } = this.prepare();
    this.#apply();
    if (writes.length > 0) sink(writes, this.actor);
  }

  /**
   * The storage writes of this transaction, and `apply` to make them visible in memory and run
   * the after-commit actions (call it once the writes are stored). `abort` still drops it all
   * until `apply` ran. `commit()` is `prepare().apply()` when nothing is stored.
   */
  prepare(): { readonly writes: StorageWrite[]; apply(): void } {
    const writes: StorageWrite[] = [];
    for (const [map, overlay] of this.#overlays) map.storageWrites(overlay, this, writes);
    return { writes, apply: () => this.#apply() };
  }

  #apply(): void {
    if (this.#state !== "open") return;
    this.#state = "committed";
    for (const [map, overlay] of this.#overlays) map.apply(overlay);
    this.#overlays.clear();
    for (const action of this.#afterCommit.splice(0)) action();
  }

  /** Drops every write and after-commit action. */
  abort(): void {
    if (this.#state !== "open") return;
    this.#state = "aborted";
    this.#overlays.clear();
    this.#afterCommit.length = 0;
  }
}

/** Runs `work` in a fresh transaction of `actor` and commits it (for embedder-side writes; stored behind, see {@link StorageLink.sink}). */
export function autoCommit<T>(actor: string, work: (tx: CallTransaction) => T): T {
  const tx = new CallTransaction(actor);
  try {
    const result = work(tx);
    tx.commit();
    return result;
  } catch (error) {
    tx.abort();
    throw error;
  }
}
