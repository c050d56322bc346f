import { deepFreeze } from "./json-value.ts";

/** A plugin's current level: entries below it are dropped; `silent` drops everything. */
export type LogThreshold = LogLevel | "silent";

/** The levels, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** Severity of a log entry: one of {@link LOG_LEVELS}, lowest first. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Readonly<Record<LogThreshold, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };

/** True when `value` is a {@link LogThreshold} name. */
export function isLogThreshold(value: unknown): value is LogThreshold {
  return typeof value === "string" && Object.hasOwn(RANK, value);
}

/**
 * Who wrote an entry: `plugin` through `ts_log`, `extism` through Extism's kernel log functions
 * (`log_info`, ..., what PDKs' `log` helpers and AssemblyScript aborts use), `engine` about the
 * plugin (a failed `on_tick`, say).
 */
export type LogSource = "plugin" | "extism" | "engine";

/** One entry of a plugin's log. */
export interface LogEntry {
  /** 1, 2, 3, ... per plugin, in the order entries were written (kept across unload and load). */
  readonly seq: number;
  /** When it was written, ms since the epoch. */
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
  /** Structured data from `ts_log` (`{}` when none). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly plugin: string;
  readonly source: LogSource;
}

/** What `read` returns. */
export interface LogQuery {
  /** Only entries at this level or above. */
  readonly level?: LogLevel;
  /** Only entries with a larger `seq` (pass the last `seq` you saw to get what is new). */
  readonly since?: number;
}

/** Which entries a listener gets. */
export interface LogFilter {
  readonly plugin?: string;
  readonly level?: LogLevel;
}

/** Receives every kept entry, synchronously, as it is written. */
export type LogListener = (entry: LogEntry) => void;

/** Entries kept per plugin unless the engine says otherwise. */
export const DEFAULT_LOG_CAPACITY = 1000;
/** Longest message kept, in UTF-16 code units; longer ones are cut and marked. */
export const MAX_LOG_MESSAGE_CHARS = 4096;
/** Largest `fields`, as JSON text; larger ones are replaced by a note. */
export const MAX_LOG_FIELDS_CHARS = 8192;

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** One plugin's log (see {@link LogStore}); held aside as a {@link KeptLog}. */
export interface PluginLog {
  level: LogThreshold;
  /** Ring buffer: `entries[(start + i) % entries.length]` is the i-th oldest. */
  readonly entries: LogEntry[];
  start: number;
  nextSeq: number;
  onLevel: ((level: LogThreshold) => void) | undefined;
}

interface Subscription {
  readonly listener: LogListener;
  readonly plugin: string | undefined;
  readonly rank: number;
}

/**
 * Every plugin's log: a ring buffer per plugin (the oldest entry goes when it is full), a level
 * per plugin that can change at any time, and listeners that see entries as they are written.
 * Logs are not transactional: an entry written by a call that then traps is kept (that is when
 * it matters).
 */
export class LogStore {
  /** Receives errors thrown by listeners; they never reach the plugin that logged. */
  onListenerError: (error: unknown, entry: LogEntry) => void = (error) => console.error("[threadspace] a log listener failed:", error);
  readonly #logs = new Map<string, PluginLog>();
  readonly #subscriptions: Subscription[] = [];
  #capacity: number;

  constructor(capacity = DEFAULT_LOG_CAPACITY) {
    this.#capacity = checkCapacity(capacity);
  }

  /** Entries kept per plugin. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Changes how many entries are kept per plugin; when it shrinks, the oldest entries go. */
  resize(capacity: number): void {
    this.#capacity = checkCapacity(capacity);
    for (const log of this.#logs.values()) {
      const kept = ordered(log).slice(-this.#capacity);
      log.entries.length = 0;
      log.entries.push(...kept);
      log.start = 0;
    }
  }

  /** Starts (or keeps) a plugin's log and sets its level. */
  open(plugin: string, level: LogThreshold): void {
    const log = this.#logs.get(plugin);
    if (log === undefined) this.#logs.set(plugin, { level, entries: [], start: 0, nextSeq: 1, onLevel: undefined });
    else this.setLevel(plugin, level);
  }

  /** Drops a plugin's log (uninstall). */
  forget(plugin: string): void {
    this.#logs.delete(plugin);
  }

  /**
   * A handle on a plugin's log as it is now, which keeps receiving its entries while it is the
   * plugin's log and outlives {@link forget}: {@link restore} makes it the plugin's log again
   * (a refused upgrade puts the old build's log back, with what the new build wrote meanwhile).
   */
  keep(plugin: string): KeptLog | undefined {
    const log = this.#logs.get(plugin);
    return log === undefined ? undefined : new KeptLog(plugin, log);
  }

  /** Makes a kept log its plugin's log again (replacing any log opened since), at `level`. */
  restore(kept: KeptLog, level: LogThreshold): void {
    // The level binding was the stopped instance's; the next start binds its own.
    kept.log.onLevel = undefined;
    this.#logs.set(kept.plugin, kept.log);
    this.setLevel(kept.plugin, level);
  }

  /** The plugin's level (`silent` for an unknown plugin). */
  level(plugin: string): LogThreshold {
    return this.#logs.get(plugin)?.level ?? "silent";
  }

  /** Changes a plugin's level; entries written from now on are filtered with it. */
  setLevel(plugin: string, level: LogThreshold): void {
    const log = this.#logs.get(plugin);
    if (log === undefined) return;
    log.level = level;
    log.onLevel?.(level);
  }

  /**
   * Calls `apply` with the level now and on every change (one binding per plugin; a new one
   * replaces the old). The engine uses it to keep Extism's own level in step.
   */
  bindLevel(plugin: string, apply: (level: LogThreshold) => void): void {
    const log = this.#logs.get(plugin);
    if (log === undefined) return;
    log.onLevel = apply;
    apply(log.level);
  }

  /** True when an entry of `level` from `plugin` would be kept. */
  accepts(plugin: string, level: LogLevel): boolean {
    const log = this.#logs.get(plugin);
    return log !== undefined && RANK[level] >= RANK[log.level];
  }

  /**
   * Writes an entry unless it is below the plugin's level (then returns undefined). Long
   * messages are cut to {@link MAX_LOG_MESSAGE_CHARS}; `fields` over {@link MAX_LOG_FIELDS_CHARS}
   * of JSON are replaced by a note saying so.
   */
  append(plugin: string, level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>, source: LogSource = "plugin"): LogEntry | undefined {
    const log = this.#logs.get(plugin);
    if (log === undefined || RANK[level] < RANK[log.level]) return undefined;
    const entry: LogEntry = Object.freeze({ seq: log.nextSeq++, at: Date.now(), level, message: capMessage(message), fields: copyFields(fields), plugin, source });
    if (log.entries.length < this.#capacity) log.entries.push(entry);
    else {
      log.entries[log.start] = entry;
      log.start = (log.start + 1) % log.entries.length;
    }
    this.#notify(entry);
    return entry;
  }

  /** The plugin's kept entries, oldest first, filtered by `query`. */
  read(plugin: string, query: LogQuery = {}): LogEntry[] {
    const log = this.#logs.get(plugin);
    if (log === undefined) return [];
    const rank = query.level === undefined ? 0 : RANK[query.level];
    const since = query.since ?? 0;
    return ordered(log).filter((entry) => entry.seq > since && RANK[entry.level] >= rank);
  }

  /** Calls `listener` with every kept entry matching `filter`; returns a function that unsubscribes. */
  subscribe(listener: LogListener, filter: LogFilter = {}): () => void {
    const subscription: Subscription = { listener, plugin: filter.plugin, rank: filter.level === undefined ? 0 : RANK[filter.level] };
    this.#subscriptions.push(subscription);
    return () => {
      const at = this.#subscriptions.indexOf(subscription);
      if (at !== -1) this.#subscriptions.splice(at, 1);
    };
  }

  #notify(entry: LogEntry): void {
    if (this.#subscriptions.length === 0) return;
    for (const { listener, plugin, rank } of [...this.#subscriptions]) {
      if ((plugin !== undefined && plugin !== entry.plugin) || RANK[entry.level] < rank) continue;
      try {
        listener(entry);
      } catch (error) {
        this.onListenerError(error, entry);
      }
    }
  }
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a log buffer holds a whole number of entries, at least 1; got ${capacity}`);
  return capacity;
}

/** A plugin's entries, oldest first. */
function ordered(log: PluginLog): LogEntry[] {
  const { entries, start } = log;
  return start === 0 ? entries.slice() : [...entries.slice(start), ...entries.slice(0, start)];
}

function capMessage(message: string): string {
  if (message.length <= MAX_LOG_MESSAGE_CHARS) return message;
  let end = MAX_LOG_MESSAGE_CHARS;
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
  return `${message.slice(0, end)}… [cut: ${message.length} characters in all]`;
}

function copyFields(fields: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> {
  if (fields === undefined) return NO_FIELDS;
  let text: string | undefined;
  try {
    text = JSON.stringify(fields);
  } catch (cause) {
    return Object.freeze({ $dropped: `the fields are not JSON: ${cause instanceof Error ? cause.message : String(cause)}` });
  }
  if (text === undefined || text === "{}") return NO_FIELDS;
  if (text.length > MAX_LOG_FIELDS_CHARS) return Object.freeze({ $dropped: `the fields were ${text.length} characters of JSON; at most ${MAX_LOG_FIELDS_CHARS} are kept` });
  return deepFreeze(JSON.parse(text) as Record<string, unknown>);
}

/** A plugin's log held by {@link LogStore.keep}. */
export class KeptLog {
  readonly plugin: string;
  /** @internal */
  readonly log: PluginLog;

  constructor(plugin: string, log: PluginLog) {
    this.plugin = plugin;
    this.log = log;
  }
}
