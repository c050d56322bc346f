import type { HealthRow } from "@threadspace/storage";
import type { HealthStatus } from "../lifecycle/health.ts";

/**
 * A plugin's health history: what the engine counted since the plugin was installed, across
 * unload/load and, on an engine with storage, across restarts (stored behind the calls, see
 * `storage/journal.ts`): the `health` store's `HealthRow` (calls, errors, timeouts, circuit
 * openings, last error and when, since when), with the check's status typed.
 */
export type HealthHistory = Omit<HealthRow, "lastCheck"> & {
  /** The last polled `health_check`. */
  readonly lastCheck?: { readonly at: number; readonly status: HealthStatus; readonly message: string };
};

type Mutable = { -readonly [K in keyof HealthHistory]: HealthHistory[K] };

/** Longest `lastError` and check message kept (messages can be long; the history is stored). */
export const MAX_HISTORY_TEXT = 1000;

const clip = (text: string): string => (text.length > MAX_HISTORY_TEXT ? `${text.slice(0, MAX_HISTORY_TEXT)}...` : text);

/**
 * Every plugin's {@link HealthHistory}, and which changed since they were last taken for storing
 * (the engine stores them behind the calls, in one batch: see {@link watch}).
 */
export class HealthHistories {
  readonly #rows = new Map<string, Mutable>();
  /** Plugins whose history changed since the last {@link takeChanges}. */
  readonly #changed = new Set<string>();
  readonly #now: () => number;
  #onChange: (() => void) | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #row(name: string): Mutable {
    let row = this.#rows.get(name);
    if (row === undefined) {
      row = { calls: 0, errors: 0, timeouts: 0, circuitOpens: 0, since: this.#now() };
      this.#rows.set(name, row);
      this.#touch(name);
    }
    return row;
  }

  #touch(name: string): void {
    if (this.#changed.has(name)) return;
    const first = this.#changed.size === 0;
    this.#changed.add(name);
    if (first) this.#onChange?.();
  }

  /** Tells `listener` (one; a later one replaces it) when a change arrives while none was pending. */
  watch(listener: () => void): void {
    this.#onChange = listener;
  }

  /** Starts a history for `name` if it has none (a plugin loaded for the first time). */
  open(name: string): void {
    this.#row(name);
  }

  /** A counted call. */
  recordCall(name: string): void {
    this.#row(name).calls++;
    this.#touch(name);
  }

  /** A counted call that failed with `code`. */
  recordError(name: string, code: string, message: string, at: number): void {
    const row = this.#row(name);
    row.errors++;
    row.lastError = clip(message);
    row.lastErrorCode = code;
    row.lastErrorAt = at;
    if (code === "timeout") row.timeouts++;
    this.#touch(name);
  }

  recordCircuitOpen(name: string): void {
    this.#row(name).circuitOpens++;
    this.#touch(name);
  }

  /** A polled `health_check`. */
  recordCheck(name: string, check: { at: number; status: HealthStatus; message: string }): void {
    this.#row(name).lastCheck = { at: check.at, status: check.status, message: check.message.slice(0, MAX_HISTORY_TEXT) };
    this.#touch(name);
  }

  /** A copy of a plugin's history (undefined before it was first loaded). */
  get(name: string): HealthHistory | undefined {
    const row = this.#rows.get(name);
    return row === undefined ? undefined : { ...row };
  }

  /** Loads stored histories (at start, before any plugin is loaded); they count as stored. */
  restore(rows: Iterable<readonly [name: string, history: HealthHistory]>): void {
    for (const [name, row] of rows) this.#rows.set(name, { ...row });
  }

  /** Forgets an uninstalled plugin's history (its stored row is deleted with its bundle). */
  forget(name: string): void {
    this.#rows.delete(name);
    this.#changed.delete(name);
  }

  /** The histories changed since the last call, by plugin name; they count as stored from now on. */
  takeChanges(): Map<string, HealthHistory> {
    const out = new Map<string, HealthHistory>();
    for (const name of this.#changed) {
      const row = this.#rows.get(name);
      if (row !== undefined) out.set(name, { ...row });
    }
    this.#changed.clear();
    return out;
  }

  /** Marks histories changed again (their storing failed): the next change stores them too. */
  retry(names: Iterable<string>): void {
    for (const name of names) if (this.#rows.has(name)) this.#changed.add(name);
  }
}
