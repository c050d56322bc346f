import { constants } from "node:fs";
import { copyFile, mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ThreadspaceError } from "@threadspace/errors";
import { closedError, unavailable } from "../errors.ts";
import { KeyedTable } from "../table.ts";
import { STORE_NAMES, type StorageDriver, type StorageEntry, type StoreName } from "../types.ts";
import { checkBatch, checkScan, checkTarget } from "../value.ts";
import { ByteReader, readValue } from "./codec.ts";
import { fsError, messageOf } from "./file-errors.ts";
import { lock, unlock } from "./file-lock.ts";
import type { FileStorageDriver, FileStorageInfo, FileStorageOptions, RecoveryInfo } from "./file-types.ts";
import { ENTRY_OVERHEAD_BYTES, LOG_MAGIC, encodeRecord, parseLog, type LoggedWrite, type RecordWrite } from "./log-format.ts";

export type { FileStorageDriver, FileStorageInfo, FileStorageOptions, RecoveryInfo } from "./file-types.ts";
export { fsError } from "./file-errors.ts";

const LOG_FILE = "threadspace.log";
const TEMP_FILE = "threadspace.log.compact";
/** Largest group of commits written with one write and one fsync. */
const GROUP_BYTES = 16 * 1024 * 1024;
/** Largest record written by compaction. */
const SNAPSHOT_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * A durable store for Node: one append-only log of commit records (length-prefixed, CRC-32
 * checked), `fdatasync`ed before a commit resolves; concurrent commits share one write and one
 * fsync. The live data is held in memory (encoded), the log is compacted by writing a new file
 * and renaming it over the old one, and a record torn by a crash is cut off on the next open.
 * Import it from `@threadspace/storage/file` (browser bundles never see `node:fs`).
 *
 * @example
 * import { fileStorage } from "@threadspace/storage/file";
 * const storage = fileStorage({ dir: ".threadspace" });
 * await storage.commit([{ store: "kv", key: key("hello", "n"), value: 1 }]);
 * await storage.close();
 */
export function fileStorage(options: FileStorageOptions): FileStorageDriver {
  return new FileStore(options);
}

interface Entry {
  /** The encoded value. */
  bytes: Uint8Array;
  /** `entrySize(key, value)`. */
  readonly size: number;
  readonly keyBytes: number;
}

type Job =
  | { readonly kind: "commit"; readonly bytes: Uint8Array; readonly writes: LoggedWrite[]; readonly done: Settle }
  | { readonly kind: "compact"; readonly done: Settle };

interface Settle {
  resolve(): void;
  reject(error: unknown): void;
}

class FileStore implements FileStorageDriver {
  readonly name = "file";
  readonly #dir: string;
  readonly #path: string;
  readonly #strict: boolean;
  readonly #compaction: { minBytes: number; ratio: number } | undefined;
  readonly #onRecover: (info: RecoveryInfo) => void;
  readonly #salvage: boolean;
  readonly #tables = new Map<StoreName, KeyedTable<Entry>>(STORE_NAMES.map((name) => [name, new KeyedTable<Entry>()]));
  #file: FileHandle | undefined;
  /** End of the last good record. */
  #size = 0;
  /** Log bytes of the live entries (what a compacted log would hold, besides its header). */
  #live = 0;
  #compactions = 0;
  #opening: Promise<void> | undefined;
  #queue: Job[] = [];
  #draining: Promise<void> | undefined;
  /** Settles when the last job enqueued so far has settled. */
  #tail: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** Set when the log can no longer be trusted (a failed fsync, a failed rollback): every use fails with it. */
  #broken: ThreadspaceError | undefined;

  constructor(options: FileStorageOptions) {
    if (typeof options?.dir !== "string" || options.dir === "") throw new ThreadspaceError("bad_input", "storage (file): fileStorage needs { dir }, the directory to keep the store in.");
    this.#dir = resolve(options.dir);
    this.#path = join(this.#dir, LOG_FILE);
    this.#strict = (options.durability ?? "strict") === "strict";
    this.#compaction = options.compaction === false ? undefined : { minBytes: options.compaction?.minBytes ?? 4 * 1024 * 1024, ratio: options.compaction?.ratio ?? 2 };
    this.#onRecover = options.onRecover ?? ((info) => console.warn(`[threadspace] storage (file): dropped ${info.droppedBytes} bytes of ${info.path} (${info.reason})${info.movedTo === undefined ? "; it was a commit that never completed." : `; the damaged file was kept as ${info.movedTo}.`}`));
    this.#salvage = options.salvage === true;
  }

  async get(store: StoreName, key: string) {
    checkTarget(store, key);
    await this.#readable();
    const entry = this.#table(store).get(key);
    return entry === undefined ? undefined : decode(entry.bytes);
  }

  async scan(store: StoreName, options?: { prefix?: string | undefined; start?: string | undefined; limit?: number | undefined }) {
    checkScan(store, options);
    await this.#readable();
    const out: StorageEntry[] = [];
    for (const [key, entry] of this.#table(store).scan(options)) out.push({ key, value: decode(entry.bytes) });
    return out;
  }

  async usage(store: StoreName, prefix = "") {
    checkScan(store, { prefix });
    await this.#readable();
    let total = 0;
    for (const [, entry] of this.#table(store).scan({ prefix })) total += entry.size;
    return total;
  }

  commit(batch: Parameters<StorageDriver["commit"]>[0]): Promise<void> {
    try {
      this.#usable();
      const writes = checkBatch(batch, false);
      if (writes.length === 0) return this.#readable();
      return this.#enqueueCommit(writes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  clear(store?: StoreName): Promise<void> {
    try {
      this.#usable();
      if (store !== undefined) checkTarget(store, "");
      return this.#enqueueCommit((store === undefined ? STORE_NAMES : [store]).map((name) => ({ store: name, clear: true as const })));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  compact(): Promise<void> {
    try {
      this.#usable();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.#enqueue({ kind: "compact", done: { resolve, reject } }));
  }

  async info(): Promise<FileStorageInfo> {
    await this.#readable();
    let entries = 0;
    for (const table of this.#tables.values()) entries += table.size;
    return { path: this.#path, fileBytes: this.#size, liveBytes: LOG_MAGIC.length + this.#live, entries, compactions: this.#compactions };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#draining?.catch(() => {});
      await this.#opening?.catch(() => {});
      const file = this.#file;
      this.#file = undefined;
      if (file !== undefined) {
        await file.close().catch(() => {});
        await unlock(this.#dir);
      }
    })();
    return this.#closing;
  }

  // ---- internals ----

  #table(store: StoreName): KeyedTable<Entry> {
    return this.#tables.get(store) as KeyedTable<Entry>;
  }

  /** Throws when the driver is closed or broken. */
  #usable(): void {
    if (this.#closing !== undefined) throw closedError(this.name);
    if (this.#broken !== undefined) throw this.#broken;
  }

  /** Opens on first use, and waits for commits called earlier (reads see them, as in IndexedDB). */
  async #readable(): Promise<void> {
    this.#usable();
    await (this.#opening ??= this.#open());
    // Only the commits called before this read: a steady stream of later commits cannot starve it.
    const tail = this.#tail;
    if (tail !== undefined) await tail;
    this.#usable();
  }

  #enqueueCommit(writes: readonly RecordWrite[]): Promise<void> {
    const { bytes, writes: logged } = encodeRecord(writes);
    return new Promise((resolve, reject) => this.#enqueue({ kind: "commit", bytes, writes: logged, done: { resolve, reject } }));
  }

  #enqueue(job: Job): void {
    const settled = new Promise<void>((resolve) => {
      const { resolve: ok, reject: fail } = job.done;
      job.done.resolve = () => (ok(), resolve());
      job.done.reject = (error) => (fail(error), resolve());
    });
    this.#tail = settled;
    void settled.then(() => {
      if (this.#tail === settled) this.#tail = undefined;
    });
    this.#queue.push(job);
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      await (this.#opening ??= this.#open());
    } catch (error) {
      for (const job of this.#queue.splice(0)) job.done.reject(error);
      this.#draining = undefined;
      return;
    }
    while (this.#queue.length > 0) {
      const first = this.#queue[0] as Job;
      if (first.kind === "compact") {
        this.#queue.shift();
        await this.#compact().then(first.done.resolve, first.done.reject);
        continue;
      }
      const group: Extract<Job, { kind: "commit" }>[] = [];
      let bytes = 0;
      while (this.#queue.length > 0) {
        const job = this.#queue[0] as Job;
        if (job.kind !== "commit" || (group.length > 0 && bytes + job.bytes.length > GROUP_BYTES)) break;
        this.#queue.shift();
        group.push(job);
        bytes += job.bytes.length;
      }
      try {
        await this.#append(group.length === 1 ? (group[0] as { bytes: Uint8Array }).bytes : concat(group.map((job) => job.bytes), bytes));
      } catch (error) {
        for (const job of group) job.done.reject(error);
        continue;
      }
      for (const job of group) {
        for (const write of job.writes) this.#apply(write);
        job.done.resolve();
      }
      if (this.#shouldCompact()) await this.#compact().catch((error: unknown) => console.warn("[threadspace] storage (file): compaction failed; the log keeps growing until it succeeds:", error));
    }
    // No await between the loop's last check and here: a job enqueued now starts a new drain.
    this.#draining = undefined;
  }

  /** Writes records at the end of the log (and fsyncs); on failure, cuts the log back to where it was. */
  async #append(bytes: Uint8Array): Promise<void> {
    const file = this.#file as FileHandle;
    let wrote = false;
    try {
      await writeAt(file, bytes, this.#size);
      wrote = true;
      if (this.#strict) await file.datasync();
      this.#size += bytes.length;
    } catch (error) {
      const mapped = fsError(error, `could not write a commit to ${this.#path}`);
      try {
        await file.truncate(this.#size);
        if (this.#strict) await file.datasync();
      } catch (rollback) {
        this.#broken = unavailable(this.name, `${this.#path} could not be cut back after a failed write (${messageOf(rollback)}); close the driver and open it again, which drops the partial record.`, rollback);
        throw this.#broken;
      }
      // A failed fsync after a full write leaves the page cache in doubt: stop trusting the file.
      if (wrote) this.#broken = unavailable(this.name, `fsync of ${this.#path} failed (${messageOf(error)}); close the driver and open it again.`, error);
      throw mapped;
    }
  }

  #apply(write: LoggedWrite): void {
    const table = this.#table(write.store);
    if (write.clear === true) {
      for (const [, entry] of table.entries()) this.#live -= ENTRY_OVERHEAD_BYTES + entry.keyBytes + entry.bytes.length;
      table.clear();
      return;
    }
    const previous = table.get(write.key);
    if (previous !== undefined) this.#live -= ENTRY_OVERHEAD_BYTES + previous.keyBytes + previous.bytes.length;
    if (write.value === undefined) table.delete(write.key);
    else {
      table.set(write.key, { bytes: write.value, size: write.size, keyBytes: write.keyBytes });
      this.#live += ENTRY_OVERHEAD_BYTES + write.keyBytes + write.value.length;
    }
  }

  #shouldCompact(): boolean {
    const policy = this.#compaction;
    if (policy === undefined || this.#size < policy.minBytes) return false;
    // Each record also has a 12-byte header (length, CRC, count): count the live data with some slack.
    return this.#size > policy.ratio * (LOG_MAGIC.length + this.#live * 1.1 + 64);
  }

  async #open(): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true });
    } catch (error) {
      throw fsError(error, `could not create ${this.#dir}`);
    }
    await lock(this.#dir);
    try {
      await rm(join(this.#dir, TEMP_FILE), { force: true });
      const file = await open(this.#path, constants.O_RDWR | constants.O_CREAT, 0o644);
      this.#file = file;
      const contents = new Uint8Array(await file.readFile());
      const parsed = parseLog(contents, this.#path, { salvage: this.#salvage });
      for (const record of parsed.records) for (const write of record) this.#apply(write);
      // Detach live values from the file's buffer, so that dead bytes can be collected.
      for (const table of this.#tables.values()) for (const [, entry] of table.entries()) entry.bytes = entry.bytes.slice();
      if (parsed.end === 0) {
        await file.truncate(0);
        await writeAt(file, LOG_MAGIC, 0);
        await file.datasync();
        await syncDir(this.#dir);
        this.#size = LOG_MAGIC.length;
      } else {
        this.#size = parsed.end;
      }
      if (parsed.skipped.length > 0) {
        await this.#salvaged(parsed.skipped, parsed.torn);
        return;
      }
      if (parsed.torn !== undefined && parsed.end > 0) {
        await file.truncate(parsed.end);
        await file.datasync();
        this.#onRecover({ path: this.#path, droppedBytes: parsed.torn.bytes, reason: parsed.torn.reason });
      }
    } catch (error) {
      await this.#file?.close().catch(() => {});
      this.#file = undefined;
      await unlock(this.#dir);
      throw error instanceof ThreadspaceError ? error : fsError(error, `could not open ${this.#path}`);
    }
  }

  /** After a salvaging parse: copies the damaged log aside (fsynced), then replaces it with the kept records. */
  async #salvaged(skipped: readonly { at: number; bytes: number; reason: string }[], torn: { bytes: number; reason: string } | undefined): Promise<void> {
    const movedTo = `${this.#path}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await copyFile(this.#path, movedTo, constants.COPYFILE_EXCL);
    const copy = await open(movedTo, constants.O_RDONLY);
    try {
      await copy.sync();
    } finally {
      await copy.close();
    }
    await syncDir(this.#dir);
    await this.#compact();
    const all = torn === undefined ? skipped : [...skipped, { at: -1, bytes: torn.bytes, reason: torn.reason }];
    const droppedBytes = all.reduce((sum, span) => sum + span.bytes, 0);
    this.#onRecover({ path: this.#path, droppedBytes, reason: `salvage: skipped ${skipped.length} damaged span${skipped.length === 1 ? "" : "s"} (${skipped.map((s) => `${s.bytes} bytes at byte ${s.at}: ${s.reason}`).join("; ")})`, movedTo, skipped: all });
  }

  /** Writes the live entries to a new file, fsyncs it and renames it over the log. */
  async #compact(): Promise<void> {
    const temp = join(this.#dir, TEMP_FILE);
    const records: { bytes: Uint8Array; writes: LoggedWrite[] }[] = [];
    let batch: RecordWrite[] = [];
    let batchBytes = 0;
    const flush = () => {
      if (batch.length > 0) records.push(encodeRecord(batch));
      batch = [];
      batchBytes = 0;
    };
    for (const [store, table] of this.#tables) {
      for (const [key, entry] of table.scan()) {
        batch.push({ store, key, encoded: entry.bytes });
        batchBytes += entry.bytes.length + key.length;
        if (batchBytes >= SNAPSHOT_RECORD_BYTES) flush();
      }
    }
    flush();
    const size = LOG_MAGIC.length + records.reduce((sum, record) => sum + record.bytes.length, 0);
    let out: FileHandle | undefined;
    try {
      out = await open(temp, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
      await writeAt(out, concat([LOG_MAGIC, ...records.map((record) => record.bytes)], size), 0);
      await out.datasync();
      await out.close();
      out = undefined;
      await rename(temp, this.#path);
      await syncDir(this.#dir);
    } catch (error) {
      await out?.close().catch(() => {});
      await rm(temp, { force: true }).catch(() => {});
      throw fsError(error, `could not compact ${this.#path}`);
    }
    // The rename is done: the old handle points at the unlinked old log.
    const old = this.#file as FileHandle;
    try {
      this.#file = await open(this.#path, constants.O_RDWR);
    } catch (error) {
      this.#broken = unavailable(this.name, `could not reopen ${this.#path} after compacting it (${messageOf(error)}); open the driver again.`, error);
      throw this.#broken;
    } finally {
      await old.close().catch(() => {});
    }
    this.#size = size;
    this.#compactions++;
    // Point the live entries at the new records: the old records' buffers can be collected.
    for (const record of records) for (const write of record.writes) (this.#table(write.store).get(write.key) as Entry).bytes = write.value as Uint8Array;
  }
}

function decode(bytes: Uint8Array) {
  return readValue(new ByteReader(bytes));
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function writeAt(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes a rename or a new file's directory entry durable (no-op where directories cannot be opened). */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Windows cannot open directories; its renames are durable enough once the file is synced.
  } finally {
    await handle?.close().catch(() => {});
  }
}
