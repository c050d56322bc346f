import { HostFailure } from "../host-types.ts";
import { key as storageKey, type EntryRow, type ThreadRow } from "@threadspace/storage";
import { TxMap, type CallTransaction, type StorageLink } from "../transaction.ts";
import type { EventBus } from "./event-bus.ts";
import { checkLimit, checkTextSize, copyJson } from "./caps.ts";

/** A thread as `create` and `list` return it. */
export interface ThreadRecord {
  readonly id: string;
  readonly title: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** Number of entries (the next entry's seq). */
  readonly length: number;
}

/** One entry of a thread; `seq` counts 0, 1, 2, ... per thread. */
export interface ThreadEntry {
  readonly seq: number;
  readonly author: string;
  readonly content: string;
  readonly at: number;
}

/** What `create` takes: no id makes a new thread; an existing id returns that thread unchanged. */
export interface ThreadInput {
  readonly id?: string | undefined;
  readonly title?: string | undefined;
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** What `append` takes. */
export interface AppendInput {
  readonly threadId: string;
  readonly content: string;
  /** Default: the writer (the plugin's name, or `"host"`). */
  readonly author?: string | undefined;
}

/** What `read` takes. */
export interface ReadInput {
  readonly threadId: string;
  /** First seq to return (default 0). */
  readonly fromSeq?: number | undefined;
  /** 1–1000, default 100. */
  readonly limit?: number | undefined;
}

/** Largest JSON text of a thread's `metadata` (16 KiB). */
export const MAX_METADATA_CHARS = 16 * 1024;

interface ThreadHead {
  readonly id: string;
  readonly title: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

/** An entry appended by an open transaction; its final `seq` is set when the transaction commits. */
interface PendingEntry {
  seq: number;
  readonly author: string;
  readonly content: string;
  readonly at: number;
}

/**
 * The committed entries of every thread. A transaction's appends sit in its overlay (a list per
 * thread) and are added at the end of the thread when it commits, so entries are never lost or
 * overwritten even when calls that append to one thread overlap: a call's `seq` is final unless
 * another call appended to the same thread and committed while it ran, in which case its entries
 * follow the other's (the `thread.appended` events carry the final seq).
 */
class EntryLog extends TxMap<string, PendingEntry[]> {
  readonly #committed = new Map<string, ThreadEntry[]>();
  /** Next stored seq per thread: stored keys only grow, even while commits overlap or fail. */
  readonly #nextStored = new Map<string, number>();

  /** A stored seq for the next entry of `threadId` (equal to its final seq unless a commit failed meanwhile). */
  reserveStored(threadId: string): number {
    const seq = Math.max(this.committed(threadId).length, this.#nextStored.get(threadId) ?? 0);
    this.#nextStored.set(threadId, seq + 1);
    return seq;
  }

  committed(threadId: string): readonly ThreadEntry[] {
    return this.#committed.get(threadId) ?? [];
  }

  pending(tx: CallTransaction, threadId: string): readonly PendingEntry[] {
    return (tx.overlayOf(this)?.get(threadId) as PendingEntry[] | undefined) ?? [];
  }

  add(tx: CallTransaction, threadId: string, entry: PendingEntry): void {
    const overlay = tx.touch(this);
    const list = overlay.get(threadId) as PendingEntry[] | undefined;
    if (list === undefined) overlay.set(threadId, [entry]);
    else list.push(entry);
  }

  /** @internal Called by the commit: appends each pending entry, fixing its final seq. */
  override apply(overlay: ReadonlyMap<unknown, unknown>): void {
    for (const [threadId, list] of overlay as ReadonlyMap<string, PendingEntry[]>) {
      let entries = this.#committed.get(threadId);
      if (entries === undefined) this.#committed.set(threadId, (entries = []));
      for (const pending of list) {
        pending.seq = entries.length;
        entries.push(Object.freeze({ seq: pending.seq, author: pending.author, content: pending.content, at: pending.at }));
      }
    }
  }
}

/**
 * Thread heads. Threads are never replaced or deleted, so the committed ones are also kept in
 * creation order and `list` (newest first) costs O(limit), not a sort of every thread. When two
 * overlapping calls create the same id, the first to commit wins.
 */
class HeadMap extends TxMap<string, ThreadHead> {
  readonly #ordered: ThreadHead[] = [];
  readonly #ids = new Set<string>();

  /** True once a thread with this id committed. */
  committedId(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Up to `limit` heads as `tx` sees them, newest first: its own new ones, then committed ones. */
  newest(tx: CallTransaction, limit: number): ThreadHead[] {
    const out: ThreadHead[] = [];
    const own = tx.overlayOf(this);
    if (own !== undefined) {
      const mine = [...(own.values() as IterableIterator<ThreadHead>)].filter((head) => !this.#ids.has(head.id));
      for (let i = mine.length - 1; i >= 0 && out.length < limit; i--) out.push(mine[i] as ThreadHead);
    }
    for (let i = this.#ordered.length - 1; i >= 0 && out.length < limit; i--) out.push(this.#ordered[i] as ThreadHead);
    return out;
  }

  /** @internal Called by the commit: adds the heads of threads not committed yet. */
  override apply(overlay: ReadonlyMap<unknown, unknown>): void {
    const fresh = new Map<unknown, unknown>();
    for (const [id, head] of overlay as ReadonlyMap<string, ThreadHead>) {
      if (this.#ids.has(id)) continue;
      this.#ids.add(id);
      this.#ordered.push(head);
      fresh.set(id, head);
    }
    super.apply(fresh);
  }
}

/**
 * Threads: ordered, append-only streams of entries shared by every plugin and the embedder.
 * Publishes `thread.created` (`{threadId}`) and `thread.appended` (`{threadId, seq, author}`, never
 * the content) when the write commits.
 */
export class ThreadStore {
  readonly #heads = new HeadMap();
  readonly #log = new EntryLog();
  readonly #events: EventBus;

  constructor(events: EventBus) {
    this.#events = events;
  }

  /** Where committed writes are stored (set by `persist`; durable embedder writes commit through it). */
  link: StorageLink | undefined = undefined;

  /** Stores committed writes through `link` (stores `threads` and `entries`, owned by the writer). */
  persist(link: StorageLink): void {
    this.link = link;
    const heads = this.#heads;
    const log = this.#log;
    heads.persistence = {
      link,
      writes: (overlay, tx, out) => {
        for (const [id, head] of overlay) {
          if (head === undefined || heads.committedId(id)) continue;
          const row: ThreadRow = { ...head, metadata: head.metadata as ThreadRow["metadata"], owner: tx.actor };
          out.push({ store: "threads", key: id, value: row });
        }
      },
    };
    log.persistence = {
      link,
      writes: (overlay, tx, out) => {
        for (const [threadId, list] of overlay) {
          for (const entry of list ?? []) {
            const seq = log.reserveStored(threadId);
            const row: EntryRow = { seq, author: entry.author, content: entry.content, at: entry.at, owner: tx.actor };
            out.push({ store: "entries", key: storageKey(threadId, seq), value: row });
          }
        }
      },
    };
  }

  /** Loads stored threads and their entries (each thread's entries in seq order) as committed state. */
  restore(threads: Iterable<ThreadRow>, entries: Iterable<readonly [threadId: string, row: EntryRow]>): void {
    const heads = new Map<unknown, unknown>();
    for (const { owner: _owner, ...head } of [...threads].sort((a, b) => a.createdAt - b.createdAt)) heads.set(head.id, Object.freeze(head));
    this.#heads.apply(heads);
    const lists = new Map<unknown, unknown>();
    for (const [threadId, row] of entries) {
      let list = lists.get(threadId) as PendingEntry[] | undefined;
      if (list === undefined) lists.set(threadId, (list = []));
      list.push({ seq: row.seq, author: row.author, content: row.content, at: row.at });
    }
    for (const list of lists.values()) (list as PendingEntry[]).sort((a, b) => a.seq - b.seq);
    this.#log.apply(lists);
  }

  /** Creates a thread, or returns the existing one with that id unchanged. */
  create(tx: CallTransaction, input: ThreadInput = {}): ThreadRecord {
    const existing = input.id === undefined ? undefined : this.#heads.get(tx, input.id);
    if (existing !== undefined) return this.#record(tx, existing);
    const metadata = input.metadata === undefined ? Object.freeze({}) : copyJson("the thread's metadata", input.metadata, MAX_METADATA_CHARS);
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) throw new HostFailure("bad_request", "the thread's metadata must be a JSON object");
    const head: ThreadHead = Object.freeze({
      id: input.id ?? crypto.randomUUID(),
      title: input.title ?? "",
      metadata: metadata as Record<string, unknown>,
      createdAt: Date.now(),
    });
    this.#heads.set(tx, head.id, head);
    this.#events.emitOnCommit(tx, "thread.created", { threadId: head.id });
    return this.#record(tx, head);
  }

  /** The thread, or undefined. */
  get(tx: CallTransaction, id: string): ThreadRecord | undefined {
    const head = this.#heads.get(tx, id);
    return head === undefined ? undefined : this.#record(tx, head);
  }

  /** Appends an entry; returns its seq. A missing thread is `not_found`; content over 256 KiB `too_large`. */
  append(tx: CallTransaction, input: AppendInput): number {
    this.#head(tx, input.threadId);
    checkTextSize("the entry's content", input.content);
    const seq = this.#length(tx, input.threadId);
    const entry: PendingEntry = { seq, author: input.author ?? tx.actor, content: input.content, at: Date.now() };
    this.#log.add(tx, input.threadId, entry);
    // Reads `entry.seq` after the commit fixed it.
    tx.onCommit(() => this.#events.emit("thread.appended", { threadId: input.threadId, seq: entry.seq, author: entry.author }, tx.actor));
    return seq;
  }

  /** Entries from `fromSeq` on, in order (at most `limit`). A missing thread is `not_found`. */
  read(tx: CallTransaction, input: ReadInput): ThreadEntry[] {
    this.#head(tx, input.threadId);
    const from = input.fromSeq ?? 0;
    if (!Number.isInteger(from) || from < 0) throw new HostFailure("bad_request", `fromSeq must be an integer ≥ 0; got ${from}`);
    const limit = checkLimit(input.limit);
    const committed = this.#log.committed(input.threadId);
    const out: ThreadEntry[] = committed.slice(from, from + limit);
    if (out.length < limit) {
      const pending = this.#log.pending(tx, input.threadId);
      const start = Math.max(0, from - committed.length);
      for (let i = start; i < pending.length && out.length < limit; i++) {
        const entry = pending[i] as PendingEntry;
        out.push(Object.freeze({ seq: committed.length + i, author: entry.author, content: entry.content, at: entry.at }));
      }
    }
    return out;
  }

  /** Threads, newest first (at most `limit`, default 100). */
  list(tx: CallTransaction, limit?: number): ThreadRecord[] {
    return this.#heads.newest(tx, checkLimit(limit)).map((head) => this.#record(tx, head));
  }

  #head(tx: CallTransaction, id: string): ThreadHead {
    const head = this.#heads.get(tx, id);
    if (head === undefined) throw new HostFailure("not_found", `no thread has the id ${JSON.stringify(id)}; create it first with ts_thread_create`);
    return head;
  }

  #length(tx: CallTransaction, id: string): number {
    return this.#log.committed(id).length + this.#log.pending(tx, id).length;
  }

  #record(tx: CallTransaction, head: ThreadHead): ThreadRecord {
    return { id: head.id, title: head.title, metadata: head.metadata, createdAt: head.createdAt, length: this.#length(tx, head.id) };
  }
}
