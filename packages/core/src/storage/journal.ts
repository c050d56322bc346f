import { messageOf } from "@threadspace/errors";
import type { HealthRow, StorageWrite } from "@threadspace/storage";
import type { EngineLogger } from "../engine-options.ts";
import type { EventLog } from "../events/event-log.ts";
import type { HealthHistory, HealthMonitor } from "../lifecycle/monitor.ts";
import type { Committer } from "./committer.ts";

/** How long the journal waits after a change before it stores (`createEngine({ journalDelayMs })`). */
export const DEFAULT_JOURNAL_DELAY_MS = 2000;

/**
 * Stores what the engine observes, behind the calls: the plugins' health histories and the
 * event log. A change arms one timer; when it fires, everything changed since is written in one
 * commit (so a burst of calls costs one commit, never one per call, and no call waits for it).
 * `flush()` (called by `engine.close()`) stores what is pending at once. What changed in the
 * last `delayMs` before a crash is lost; a failed commit is logged and retried with the next one.
 */
export class Journal {
  readonly #committer: Committer;
  readonly #monitor: HealthMonitor;
  readonly #events: EventLog;
  readonly #delayMs: number;
  readonly #logger: EngineLogger;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(committer: Committer, monitor: HealthMonitor, events: EventLog, delayMs: number, logger: EngineLogger) {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`journalDelayMs must be a number of ms from 0; got ${String(delayMs)}`);
    this.#committer = committer;
    this.#monitor = monitor;
    this.#events = events;
    this.#delayMs = delayMs;
    this.#logger = logger;
    monitor.watchHistory(this.schedule);
    events.onAppend = this.schedule;
  }

  /** Arms the timer (once: later changes until it fires join the same commit). */
  readonly schedule = (): void => {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#delayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  };

  /** Stores everything pending now; resolves once stored (a failure is logged, not thrown). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  /** Stops the timer for good (the engine is closing; call {@link flush} after the last change). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #write(): Promise<void> {
    const histories = this.#monitor.takeHistoryChanges();
    const events = this.#events.takeWrites();
    const writes: StorageWrite[] = [];
    for (const [name, history] of histories) writes.push({ store: "health", key: name, value: historyRow(history) });
    writes.push(...events.writes);
    if (writes.length === 0) return;
    try {
      await this.#committer.commit(writes);
      events.done();
    } catch (error) {
      this.#monitor.retryHistory(histories.keys());
      this.#logger.error(`[threadspace] storing the health history and event log failed (kept in memory; retried with the next change): ${messageOf(error)}`);
    }
  }
}

/** A history as a `health` row: its fields, the optional ones only when set (storage values have no `undefined`). */
function historyRow(history: HealthHistory): HealthRow {
  const { lastError, lastErrorCode, lastErrorAt, lastCheck, ...counts } = history;
  return {
    ...counts,
    ...(lastError === undefined ? {} : { lastError }),
    ...(lastErrorCode === undefined ? {} : { lastErrorCode }),
    ...(lastErrorAt === undefined ? {} : { lastErrorAt }),
    ...(lastCheck === undefined ? {} : { lastCheck }),
  };
}
