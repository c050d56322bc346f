import type { EventBus, TopicEvent } from "@threadspace/host";
import { ThreadspaceError } from "@threadspace/errors";
import { checkValue, DELETE, seqKey, type EventRow, type StorageValue, type StorageWrite } from "@threadspace/storage";

/** Events the engine's log keeps by default (`createEngine({ eventLogSize })`). */
export const DEFAULT_EVENT_LOG_SIZE = 256;

/** An event of the log: the event and its sequence number (counting up from 0, across restarts with storage). */
export interface LoggedEvent extends TopicEvent {
  readonly seq: number;
}

/** What `engine.events.recent` takes. */
export interface RecentEventsQuery {
  /** Only events with a `seq` above this (pass the last one you saw). */
  readonly since?: number | undefined;
  /** At most this many, the newest ones (default: all the log holds). */
  readonly limit?: number | undefined;
}

/**
 * The bounded event log: the last `size` events published on the bus (by plugins, the embedder
 * and the engine), in a ring buffer (recording one costs a slot write, no allocation). With
 * storage, the engine's journal stores it behind the calls (`storage/journal.ts`) as `events`
 * rows keyed by `seqKey(seq)`, and `restore` loads it back.
 */
export class EventLog {
  readonly size: number;
  readonly #ring: (TopicEvent | undefined)[];
  /** The seq the next event gets. */
  #next = 0;
  /** The stored seqs, `[storedFrom, storedTo)` (empty when equal). */
  #storedFrom = 0;
  #storedTo = 0;
  #pending = false;
  /** Told when an event arrives while none was waiting to be stored. */
  onAppend: (() => void) | undefined = undefined;

  constructor(bus: EventBus, size: number = DEFAULT_EVENT_LOG_SIZE) {
    if (!Number.isSafeInteger(size) || size < 0) throw new ThreadspaceError("bad_input", `eventLogSize must be a whole number from 0 (0: no event log); got ${String(size)}.`);
    this.size = size;
    this.#ring = new Array<TopicEvent | undefined>(size);
    if (size > 0) bus.listen((event) => this.#append(event));
  }

  #append(event: TopicEvent): void {
    this.#ring[this.#next % this.size] = event;
    this.#next++;
    if (this.#pending) return;
    this.#pending = true;
    this.onAppend?.();
  }

  /** The oldest seq the log still holds. */
  get #from(): number {
    return Math.max(0, this.#next - this.size);
  }

  /** The logged events, oldest first. */
  recent(query: RecentEventsQuery = {}): LoggedEvent[] {
    const { since, limit } = query;
    if (since !== undefined && !Number.isFinite(since)) throw new ThreadspaceError("bad_input", `events.recent: since must be a number (a seq); got ${String(since)}.`);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) throw new ThreadspaceError("bad_input", `events.recent: limit must be a whole number from 0; got ${String(limit)}.`);
    let from = since === undefined ? this.#from : Math.max(this.#from, Math.floor(since) + 1);
    if (limit !== undefined) from = Math.max(from, this.#next - limit);
    const out: LoggedEvent[] = [];
    for (let seq = from; seq < this.#next; seq++) {
      const event = this.#ring[seq % this.size];
      if (event !== undefined) out.push({ seq, topic: event.topic, payload: event.payload, source: event.source, at: event.at });
    }
    return out;
  }

  /** Loads stored rows (at start, before anything is published). */
  restore(rows: readonly EventRow[]): void {
    if (rows.length === 0) return;
    const sorted = [...rows].sort((a, b) => a.seq - b.seq);
    this.#storedFrom = (sorted[0] as EventRow).seq;
    this.#storedTo = (sorted[sorted.length - 1] as EventRow).seq + 1;
    this.#next = this.#storedTo;
    for (const row of sorted) if (row.seq >= this.#from && this.size > 0) this.#ring[row.seq % this.size] = { topic: row.topic, payload: row.payload, source: row.source, at: row.at };
    // More stored than the log keeps (a smaller eventLogSize): the next store trims them.
    if (this.#storedFrom < this.#from) {
      this.#pending = true;
      this.onAppend?.();
    }
  }

  /**
   * The writes that bring the stored log up to date (puts of events not stored yet, deletes of
   * stored ones the log no longer holds), and `done` to call once they are committed.
   */
  takeWrites(): { writes: StorageWrite[]; done(): void } {
    this.#pending = false;
    const from = this.#from;
    const to = this.#next;
    const writes: StorageWrite[] = [];
    for (let seq = this.#storedFrom; seq < Math.min(this.#storedTo, from); seq++) writes.push({ store: "events", key: seqKey(seq), value: DELETE });
    for (let seq = Math.max(this.#storedTo, from); seq < to; seq++) {
      const event = this.#ring[seq % this.size];
      if (event !== undefined) writes.push({ store: "events", key: seqKey(seq), value: eventRow(seq, event) });
    }
    const storedFrom = this.#storedTo <= from ? from : Math.max(this.#storedFrom, from);
    return {
      writes,
      done: () => {
        this.#storedFrom = storedFrom;
        this.#storedTo = to;
      },
    };
  }
}

/** The payload as JSON would carry it (a Date as its text, `undefined` properties left out), or `null` when even that cannot be stored. */
function asJson(payload: unknown): StorageValue {
  try {
    const copy: unknown = JSON.parse(JSON.stringify(payload) ?? "null");
    checkValue(copy);
    return copy;
  } catch {
    return null;
  }
}

/** An event as stored; a payload that is not plain JSON is stored as JSON would carry it (see {@link asJson}). */
function eventRow(seq: number, event: TopicEvent): StorageValue {
  let payload = event.payload as StorageValue;
  try {
    checkValue(payload);
  } catch {
    payload = asJson(payload);
  }
  const row: EventRow = { seq, topic: event.topic, payload, source: event.source, at: event.at };
  return row;
}
