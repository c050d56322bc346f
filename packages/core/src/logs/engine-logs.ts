import { ThreadspaceError } from "@threadspace/errors";
import { isLogThreshold, LOG_LEVELS, type LogEntry, type LogLevel as EntryLevel, type LogStore } from "@threadspace/host";
import type { LogLevel } from "../engine-options.ts";

/** What `engine.logs(name, query)` returns. */
export interface LogsQuery {
  /** Only entries at this level or above. */
  readonly level?: EntryLevel;
  /** Only entries with a larger `seq`: pass the last `seq` you saw to get what is new. */
  readonly since?: number;
}

/** Which entries `engine.onLog` passes on. */
export interface LogsFilter {
  /** Only this plugin's entries. */
  readonly plugin?: string;
  /** Only entries at this level or above. */
  readonly level?: EntryLevel;
}

function checkEntryLevel(level: unknown, where: string): void {
  if (level !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(level)) {
    throw new ThreadspaceError("bad_input", `${where}: level must be one of ${LOG_LEVELS.join(", ")}; got ${JSON.stringify(level)}.`);
  }
}

/** Validates `engine.logs` options. */
export function checkLogsQuery(query: LogsQuery): void {
  checkEntryLevel(query.level, "engine.logs");
  if (query.since !== undefined && !(typeof query.since === "number" && Number.isFinite(query.since))) {
    throw new ThreadspaceError("bad_input", `engine.logs: since must be a seq number (the last one you saw); got ${JSON.stringify(query.since)}.`);
  }
}

/** Validates `engine.onLog` options. */
export function checkLogsFilter(filter: LogsFilter): void {
  checkEntryLevel(filter.level, "engine.onLog");
}

/** Validates a level for `engine.setLogLevel`. */
export function checkThreshold(level: unknown): asserts level is LogLevel {
  if (!isLogThreshold(level)) throw new ThreadspaceError("bad_input", `setLogLevel: the level must be one of ${LOG_LEVELS.join(", ")} or silent; got ${JSON.stringify(level)}.`);
}

/** Checks `createEngine({ logBufferSize })` and applies it. */
export function applyBufferSize(logs: LogStore, size: number | undefined): void {
  if (size === undefined) return;
  if (!Number.isInteger(size) || size < 1 || size > 1_000_000) {
    throw new ThreadspaceError("bad_input", `createEngine: logBufferSize is the number of entries kept per plugin, a whole number from 1 to 1000000; got ${String(size)}.`);
  }
  logs.resize(size);
}

export type { LogEntry };
