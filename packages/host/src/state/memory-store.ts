import { DELETE, type MemoryRow } from "@threadspace/storage";
import { TxMap, type CallTransaction, type StorageLink } from "../transaction.ts";
import type { EventBus } from "./event-bus.ts";
import { checkLimit, checkTextSize } from "./caps.ts";

/** A memory: `{id, content, tags, threadId?, createdAt, updatedAt}` (frozen). */
export interface MemoryRecord {
  readonly id: string;
  readonly content: string;
  readonly tags: readonly string[];
  readonly threadId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What `put` takes: no id makes a new memory; an existing id replaces it (keeping `createdAt`). */
export interface MemoryInput {
  readonly id?: string | undefined;
  readonly content: string;
  readonly tags?: readonly string[] | undefined;
  readonly threadId?: string | undefined;
}

/** What `query` takes; every given filter must match. */
export interface MemoryQuery {
  /** Memories carrying this tag. */
  readonly tag?: string | undefined;
  /** Memories whose content contains this text, ignoring case. */
  readonly text?: string | undefined;
  /** Memories of this thread. */
  readonly threadId?: string | undefined;
  /** 1–1000, default 100. */
  readonly limit?: number | undefined;
}

interface Stored {
  readonly record: MemoryRecord;
  /** Write order: breaks ties between equal `updatedAt`. */
  readonly order: number;
  /** `content` lowercased, computed on the first text query. */
  lower?: string;
}

/**
 * The memories every plugin and the embedder share. Writes go through a {@link CallTransaction};
 * `memory.created`, `memory.updated` and `memory.deleted` (payload `{id, threadId?}`, never the
 * content) are published when the write commits.
 */
export class MemoryStore {
  readonly #map = new TxMap<string, Stored>();
  readonly #events: EventBus;
  #order = 0;

  constructor(events: EventBus) {
    this.#events = events;
  }

  /** Where committed writes are stored (set by `persist`; durable embedder writes commit through it). */
  link: StorageLink | undefined = undefined;

  /** Stores committed writes through `link` (store `memories`, owned by the writer). */
  persist(link: StorageLink): void {
    this.link = link;
    this.#map.persistence = {
      link,
      writes: (overlay, tx, out) => {
        for (const [id, stored] of overlay) {
          const row: MemoryRow | undefined = stored === undefined ? undefined : { ...stored.record, owner: tx.actor };
          out.push({ store: "memories", key: id, value: row === undefined ? DELETE : row });
        }
      },
    };
  }

  /** Loads stored memories as committed state (most recently written last). */
  restore(rows: Iterable<MemoryRow>): void {
    const sorted = [...rows].sort((a, b) => a.updatedAt - b.updatedAt);
    const loaded = new Map<unknown, unknown>();
    for (const { owner: _owner, ...rest } of sorted) {
      const record: MemoryRecord = Object.freeze({ ...rest, tags: Object.freeze([...rest.tags]) });
      loaded.set(record.id, { record, order: ++this.#order });
    }
    this.#map.apply(loaded);
  }

  /** Creates or replaces a memory; returns the record. Content over 256 KiB is `too_large`. */
  put(tx: CallTransaction, input: MemoryInput): MemoryRecord {
    checkTextSize("the memory's content", input.content);
    const now = Date.now();
    const id = input.id ?? crypto.randomUUID();
    const previous = this.#map.get(tx, id)?.record;
    const record: MemoryRecord = Object.freeze({
      id,
      content: input.content,
      tags: Object.freeze([...new Set(input.tags ?? [])]),
      ...(input.threadId === undefined ? {} : { threadId: input.threadId }),
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    });
    this.#map.set(tx, id, { record, order: ++this.#order });
    this.#events.emitOnCommit(tx, previous === undefined ? "memory.created" : "memory.updated", eventPayload(record));
    return record;
  }

  get(tx: CallTransaction, id: string): MemoryRecord | undefined {
    return this.#map.get(tx, id)?.record;
  }

  /** Deletes a memory; true if it existed. */
  delete(tx: CallTransaction, id: string): boolean {
    const previous = this.#map.get(tx, id)?.record;
    if (previous === undefined) return false;
    this.#map.delete(tx, id);
    this.#events.emitOnCommit(tx, "memory.deleted", eventPayload(previous));
    return true;
  }

  /** Memories matching every given filter, most recently written first. */
  query(tx: CallTransaction, query: MemoryQuery = {}): MemoryRecord[] {
    const limit = checkLimit(query.limit);
    const text = query.text?.toLowerCase();
    const found: Stored[] = [];
    for (const [, stored] of this.#map.entries(tx)) {
      const { record } = stored;
      if (query.threadId !== undefined && record.threadId !== query.threadId) continue;
      if (query.tag !== undefined && !record.tags.includes(query.tag)) continue;
      if (text !== undefined && !(stored.lower ??= record.content.toLowerCase()).includes(text)) continue;
      found.push(stored);
    }
    found.sort((a, b) => b.record.updatedAt - a.record.updatedAt || b.order - a.order);
    return found.slice(0, limit).map((stored) => stored.record);
  }

  /** Number of committed memories. */
  get size(): number {
    return this.#map.size;
  }
}

function eventPayload(record: MemoryRecord): { id: string; threadId?: string } {
  return record.threadId === undefined ? { id: record.id } : { id: record.id, threadId: record.threadId };
}
