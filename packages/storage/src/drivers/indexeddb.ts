import { deleteDB, openDB, unwrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { closedError, unavailable } from "../errors.ts";
import { prefixEnd } from "../keys.ts";
import { DELETE, STORE_NAMES, type CommitOptions, type ScanOptions, type StorageDriver, type StorageEntry, type StorageValue, type StoreName } from "../types.ts";
import { checkBatch, checkScan, checkTarget, entrySize } from "../value.ts";
import { isConnectionLost, isOpenFailure, isQuotaError, mapIdbError, openFailureError } from "./idb-errors.ts";

/** The database's schema: one object store per {@link StoreName} (out-of-line string keys), plus `meta`. */
export interface ThreadspaceDB extends DBSchema {
  bundles: { key: string; value: StorageValue };
  grants: { key: string; value: StorageValue };
  config: { key: string; value: StorageValue };
  memories: { key: string; value: StorageValue };
  threads: { key: string; value: StorageValue };
  entries: { key: string; value: StorageValue };
  kv: { key: string; value: StorageValue };
  health: { key: string; value: StorageValue };
  events: { key: string; value: StorageValue };
  owners: { key: string; value: StorageValue };
  /** `instance`: a random id written when the database is created, to notice that it was deleted and recreated. */
  meta: { key: string; value: string };
}

/** One schema step: runs inside the upgrade transaction (IndexedDB calls only; awaiting anything else would end it). */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: IDBPDatabase<ThreadspaceDB>, tx: IDBPTransaction<ThreadspaceDB, StoreNames<ThreadspaceDB>[], "versionchange">): void;
}

/** Every migration, oldest first. Add a step with the next version; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "every store, and meta with the database's instance id",
    up(db, tx) {
      for (const name of ["bundles", "grants", "config", "memories", "threads", "entries", "kv", "health", "events"] as const) db.createObjectStore(name);
      db.createObjectStore("meta");
      tx.objectStore("meta").put(crypto.randomUUID(), "instance").catch(() => {}); // a failure aborts the upgrade, and openDB rejects
    },
  },
  {
    version: 2,
    description: "owners: whose data is kept under a plugin name",
    up(db) {
      db.createObjectStore("owners");
    },
  },
];

/** The schema version this code opens. */
export const DB_VERSION: number = (MIGRATIONS[MIGRATIONS.length - 1] as Migration).version;

/** The migrations to run for a database at `oldVersion` (0: new), in order. */
export function migrationsAfter(oldVersion: number, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  return migrations.filter((migration) => migration.version > oldVersion).sort((a, b) => a.version - b.version);
}

/** Options of {@link indexedDbStorage}. */
export interface IndexedDbStorageOptions {
  /** The database's name (one per engine; two drivers on one name share the data). */
  readonly name: string;
  /**
   * `strict` (default): a commit resolves once the data is flushed to disk, so it survives the
   * browser being killed. `relaxed` resolves sooner (the OS may still hold the data).
   */
  readonly durability?: "strict" | "relaxed" | "default" | undefined;
  /**
   * Keep a marker outside IndexedDB (`localStorage["threadspace:idb:<name>"]`: the database's
   * instance id and a commit counter, written at the first commit of each connection and at
   * `close`: a localStorage write costs tens of µs, too much for every commit) so that a database the browser
   * discarded (Chromium drops a backing store damaged by a crash) is reported as
   * `storage_unavailable` instead of silently starting empty. Default `true`; `false` opts out.
   * Where `localStorage` is missing (workers) there is no marker and no such check.
   */
  readonly marker?: boolean | undefined;
  /**
   * Called when the database cannot be opened or was discarded by the browser (see
   * {@link IndexedDbDamage}). Return `"delete"` to delete it (its data is lost) and start with an
   * empty one; anything else (default) reports the damage as `storage_unavailable` to every use.
   */
  readonly onDamaged?: ((damage: IndexedDbDamage) => "delete" | "fail" | void | Promise<"delete" | "fail" | void>) | undefined;
}

/** What {@link IndexedDbStorageOptions.onDamaged} is told. */
export interface IndexedDbDamage {
  readonly database: string;
  /** `unopenable`: the browser could not open it; `discarded`: it is empty or new but the marker says data had been committed. */
  readonly reason: "unopenable" | "discarded";
  /** The `storage_unavailable` error reported when the callback does not return `"delete"`. */
  readonly error: ThreadspaceError;
}

/** The localStorage key of the marker of database `name`. */
export function markerKey(name: string): string {
  return `threadspace:idb:${name}`;
}

/**
 * Deletes the database `name` and its marker: the way to start over after `storage_unavailable`
 * for a damaged or discarded database (its data is lost). Close every driver on it first.
 */
export async function deleteIndexedDbStorage(name: string): Promise<void> {
  await deleteDB(name);
  try {
    localStorageOrUndefined()?.removeItem(markerKey(name));
  } catch {
    // no marker to remove
  }
}

/** The IndexedDB driver, with what it knows about its connection. */
export interface IndexedDbStorageDriver extends StorageDriver {
  /** The database's name. */
  readonly database: string;
}

/**
 * A driver on IndexedDB (through `idb`): one object store per store, one `readwrite` transaction
 * per commit (all-or-nothing), typed schema and versioned migrations. A connection closed under
 * it (another tab upgrading the database, the browser closing it) is reopened once and the
 * operation retried; a database that was deleted meanwhile ("clear site data") or upgraded by a
 * newer version is reported as `storage_unavailable`, never silently replaced by an empty one.
 * So is a store the browser cannot open (damaged by a crash) and, through a marker in
 * localStorage, a database the browser discarded; `onDamaged` can start over instead.
 * A full quota is `quota_exceeded`.
 *
 * @example
 * const storage = indexedDbStorage({ name: "threadspace" });
 * await storage.commit([{ store: "kv", key: key("hello", "n"), value: 1 }]);
 */
export function indexedDbStorage(options: IndexedDbStorageOptions): IndexedDbStorageDriver {
  return new IdbStore(options);
}

class IdbStore implements IndexedDbStorageDriver {
  readonly name = "indexeddb";
  readonly database: string;
  readonly #durability: "strict" | "relaxed" | "default";
  readonly #onDamaged: IndexedDbStorageOptions["onDamaged"];
  /** Where the marker lives (undefined: opted out or no localStorage), and the commits counted in it. */
  readonly #marker: Storage | undefined;
  #commits = 0;
  /** The count the marker holds now (written at the first commit and at close). */
  #markedCommits: number | undefined;
  #db: IDBPDatabase<ThreadspaceDB> | undefined;
  #connecting: Promise<IDBPDatabase<ThreadspaceDB>> | undefined;
  /** The `meta.instance` seen on first open: a different one later means the database was recreated. */
  #instance: string | undefined;
  /** Why the last connection went away, for messages. */
  #dropped: string | undefined;
  /** Set once the data is known to be gone or out of reach: every later use fails with it. */
  #lost: ThreadspaceError | undefined;
  #closed = false;
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(options: IndexedDbStorageOptions) {
    if (typeof options?.name !== "string" || options.name === "") throw unavailable("indexeddb", "indexedDbStorage needs { name }, the database's name.");
    this.database = options.name;
    this.#durability = options.durability ?? "strict";
    this.#onDamaged = options.onDamaged;
    this.#marker = options.marker === false ? undefined : localStorageOrUndefined();
  }

  // Methods are async so that bad arguments reject (never throw); their bodies still create the
  // transaction synchronously, which keeps call order.
  async get(store: StoreName, key: string): Promise<StorageValue | undefined> {
    checkTarget(store, key);
    return this.#run(`reading ${store}`, (db) => db.get(store, key));
  }

  async scan(store: StoreName, options: ScanOptions = {}): Promise<StorageEntry[]> {
    checkScan(store, options);
    const range = keyRange(options);
    if (options.limit === 0 || range === null) return this.#run(`scanning ${store}`, async () => []);
    return this.#run(`scanning ${store}`, async (db) => {
      const tx = db.transaction(store, "readonly");
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range, options.limit), tx.store.getAll(range, options.limit), tx.done]);
      return keys.map((key, i) => ({ key, value: values[i] as StorageValue }));
    });
  }

  async usage(store: StoreName, prefix = ""): Promise<number> {
    let total = 0;
    for (const { key, value } of await this.scan(store, { prefix })) total += entrySize(key, value);
    return total;
  }

  commit(batch: Parameters<StorageDriver["commit"]>[0], options?: CommitOptions): Promise<void> {
    try {
      if (this.#closed) throw closedError(this.name);
      // Copies too (the puts may run later: on a reconnect, a retry), and a Uint8Array view would
      // otherwise store its whole underlying buffer. Values handed over need the latter only.
      const writes = checkBatch(batch, options?.handOver === true ? "views" : true);
      if (writes.length === 0) return this.#run("committing", async () => {});
      const stores = [...new Set(writes.map((write) => write.store))];
      return this.#run("committing", async (db) => {
        const tx = db.transaction(stores, "readwrite", { durability: this.#durability });
        try {
          for (const write of writes) {
            const target = tx.objectStore(write.store);
            const request = write.value === DELETE ? target.delete(write.key) : target.put(write.value, write.key);
            request.catch(() => {}); // a failed request aborts the transaction: tx.done reports it
          }
        } catch (error) {
          abort(tx);
          throw error;
        }
        try {
          await tx.done;
        } catch (error) {
          // Quota is final; anything else may be a lost connection, which #run reopens and retries.
          if (isQuotaError(error, [tx.error])) throw mapIdbError(error, "committing", [tx.error]);
          throw error;
        }
        this.#mark();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async clear(store?: StoreName): Promise<void> {
    if (store !== undefined) checkTarget(store, "");
    const stores = store === undefined ? [...STORE_NAMES] : [store];
    return this.#run("clearing", async (db) => {
      const tx = db.transaction(stores, "readwrite", { durability: this.#durability });
      for (const name of stores) tx.objectStore(name).clear().catch(() => {});
      await tx.done;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    await this.#connecting?.catch(() => {});
    if (this.#markedCommits !== undefined && this.#markedCommits !== this.#commits) this.#writeMarker();
    this.#db?.close();
    this.#db = undefined;
  }

  // ---- internals ----

  /**
   * Runs `op` on an open connection. When the connection went away under it, reopens once and
   * retries (a commit's transaction is all-or-nothing, so retrying it is safe); a second failure,
   * or a reopen that finds the database deleted or upgraded, is reported.
   */
  #run<T>(doing: string, op: (db: IDBPDatabase<ThreadspaceDB>) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(this.name));
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    const attempt = async (db: IDBPDatabase<ThreadspaceDB>): Promise<T> => {
      try {
        return await op(db);
      } catch (error) {
        if (isThreadspaceError(error)) throw error; // already mapped (quota): final
        if (!isConnectionLost(error) && this.#db === db) throw mapIdbError(error, doing);
        if (this.#db === db) this.#drop(db, `the connection failed (${(error as Error)?.name ?? error})`);
        const again = await this.#connect();
        try {
          return await op(again);
        } catch (retry) {
          throw mapIdbError(retry, `${doing} (after reopening the database: ${this.#dropped ?? "closed"})`);
        }
      }
    };
    // Synchronous when connected, so transactions are created in call order (IndexedDB runs them in that order).
    const db = this.#db;
    const promise = db !== undefined ? attempt(db) : this.#connect().then(attempt);
    this.#inflight.add(promise);
    const forget = () => this.#inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Opens (or reopens) the database; checks that it is still the one first opened. */
  #connect(): Promise<IDBPDatabase<ThreadspaceDB>> {
    if (this.#db !== undefined) return Promise.resolve(this.#db);
    this.#connecting ??= (async () => {
      try {
        // (No check of #closed: operations called before close() still run; close() waits for them.)
        if (this.#lost !== undefined) throw this.#lost;
        const reopening = this.#instance !== undefined;
        // A database that is gone is reported as such, rather than recreated empty by the reopen.
        if (reopening && !(await this.#exists())) throw this.#deleted();
        let db: IDBPDatabase<ThreadspaceDB>;
        if (!reopening) db = await this.#firstOpen();
        else {
          try {
            db = await this.#open();
          } catch (error) {
            // Reopening while a deletion elsewhere is still under way can abort the open: try once more.
            if ((error as { name?: unknown } | null)?.name !== "AbortError") throw error;
            await sleep(50);
            db = await this.#open();
          }
        }
        const instance = await db.get("meta", "instance");
        if (this.#instance === undefined) this.#instance = instance;
        else if (instance !== this.#instance) {
          db.close();
          throw this.#deleted();
        }
        this.#db = db;
        return db;
      } catch (error) {
        const mapped = mapIdbError(error, `opening the database "${this.database}"`);
        // A newer schema elsewhere will not go away by retrying: report it for every later use.
        if ((error as { name?: unknown } | null)?.name === "VersionError") this.#lost = mapped;
        throw mapped;
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  /**
   * The first open: a store the browser cannot open is tried once more, then reported (or deleted
   * if `onDamaged` says so); a database the marker says had data but that is new or another one
   * (the browser discarded it) is reported the same way.
   */
  async #firstOpen(): Promise<IDBPDatabase<ThreadspaceDB>> {
    let db: IDBPDatabase<ThreadspaceDB>;
    try {
      db = await this.#open();
    } catch (error) {
      if (!isOpenFailure(error)) throw error;
      await sleep(100);
      try {
        db = await this.#open();
      } catch (again) {
        if (!isOpenFailure(again)) throw again;
        const damage = openFailureError(again, this.database, "opened twice, 100 ms apart");
        await this.#damaged("unopenable", damage);
        return this.#open();
      }
    }
    const marker = this.#readMarker();
    if (marker === undefined) return db;
    const instance = await db.get("meta", "instance");
    if (instance === marker.id) {
      this.#commits = Math.max(this.#commits, marker.commits);
      return db;
    }
    db.close();
    const damage = unavailable(
      this.name,
      `the browser discarded the IndexedDB database "${this.database}": it is empty or new, but this site had committed data to it (at least ${marker.commits} commits counted by the marker localStorage["${markerKey(this.database)}"]). ` +
        `Chromium does this with a store damaged by a crash; clearing only the site's IndexedDB does it too. Nothing was started empty. To start over (the data is lost), create the driver with ` +
        `indexedDbStorage({ name: "${this.database}", onDamaged: () => "delete" }) or call deleteIndexedDbStorage("${this.database}"); indexedDbStorage({ name, marker: false }) turns this check off.`,
    );
    await this.#damaged("discarded", damage);
    return this.#open();
  }

  /** Asks onDamaged; on "delete" deletes the database and its marker (the caller then opens a new one), else records and throws `error`. */
  async #damaged(reason: IndexedDbDamage["reason"], error: ThreadspaceError): Promise<void> {
    let choice: "delete" | "fail" | void = undefined;
    try {
      choice = await this.#onDamaged?.({ database: this.database, reason, error });
    } catch (thrown) {
      this.#lost = unavailable(this.name, `${error.message} (onDamaged threw: ${String(thrown)})`, thrown);
      throw this.#lost;
    }
    if (choice !== "delete") {
      this.#lost = error;
      throw error;
    }
    try {
      await deleteIndexedDbStorage(this.database);
    } catch (thrown) {
      this.#lost = unavailable(this.name, `${error.message} onDamaged asked to delete it, which failed too (${String((thrown as Error)?.message ?? thrown)}); clear this site's data.`, thrown);
      throw this.#lost;
    }
    this.#commits = 0;
    this.#markedCommits = undefined;
  }

  #readMarker(): { id: string; commits: number } | undefined {
    try {
      const text = this.#marker?.getItem(markerKey(this.database));
      if (text === null || text === undefined) return undefined;
      const value = JSON.parse(text) as { id?: unknown; commits?: unknown };
      return typeof value.id === "string" && typeof value.commits === "number" ? { id: value.id, commits: value.commits } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * After a commit: the marker says that this database (instance id) holds data. Written at the
   * first commit (what the discard check needs) and brought up to date at close; a localStorage
   * write on every commit cost a noticeable share of a small commit.
   */
  #mark(): void {
    this.#commits++;
    if (this.#markedCommits === undefined) this.#writeMarker();
  }

  #writeMarker(): void {
    if (this.#marker === undefined || this.#instance === undefined) return;
    try {
      this.#marker.setItem(markerKey(this.database), JSON.stringify({ id: this.#instance, commits: this.#commits }));
      this.#markedCommits = this.#commits;
    } catch {
      // localStorage full or refused: the check is best effort
    }
  }

  #open(): Promise<IDBPDatabase<ThreadspaceDB>> {
    const db: Promise<IDBPDatabase<ThreadspaceDB>> = openDB<ThreadspaceDB>(this.database, DB_VERSION, {
      upgrade(database, oldVersion, _newVersion, tx) {
        tx.done.catch(() => {}); // an aborted upgrade rejects openDB; this promise must not go unhandled
        for (const migration of migrationsAfter(oldVersion)) migration.up(database, tx);
      },
      // Only an open connection is asked to step aside: `db` has resolved.
      blocking: (_current, next) => void db.then((open) => this.#drop(open, next === null ? "another connection deleted the database" : `another connection upgrades the database to version ${next}`)),
      terminated: () => {
        void db.then((open) => this.#drop(open, "the browser closed the connection"));
      },
    });
    return db;
  }

  /** False when the browser lists databases and this one is not among them. */
  async #exists(): Promise<boolean> {
    const list = await indexedDB.databases?.().catch(() => undefined);
    return list === undefined || list.some((info) => info.name === this.database);
  }

  /** Records (and returns) that the database was deleted under the driver. */
  #deleted(): ThreadspaceError {
    this.#lost = unavailable(this.name, `the database "${this.database}" was deleted while in use (${this.#dropped ?? "by another tab or by clearing site data"}); its data is gone. Reload the page to start from an empty store.`);
    return this.#lost;
  }

  /** Forgets a connection that is going away (and closes it so that an upgrade or delete elsewhere can proceed). */
  #drop(db: IDBPDatabase<ThreadspaceDB> | IDBDatabase, why: string): void {
    this.#dropped = why;
    if (this.#db !== undefined && (this.#db === db || unwrapDb(this.#db) === db)) this.#db = undefined;
    db.close();
  }
}

/** The key range of a scan: `undefined` for every key, `null` when nothing can match. */
function keyRange(options: ScanOptions): IDBKeyRange | undefined | null {
  const prefix = options.prefix ?? "";
  const lower = options.start !== undefined && options.start > prefix ? options.start : prefix;
  const upper = prefixEnd(prefix);
  if (upper === undefined) return lower === "" ? undefined : IDBKeyRange.lowerBound(lower);
  if (lower >= upper) return null;
  return IDBKeyRange.bound(lower, upper, false, true);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `localStorage` where there is one (not in workers, not when the browser refuses it). */
function localStorageOrUndefined(): Storage | undefined {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

function unwrapDb(db: IDBPDatabase<ThreadspaceDB>): IDBDatabase {
  return unwrap(db) as IDBDatabase;
}

function abort(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // already finished or aborted
  }
}
