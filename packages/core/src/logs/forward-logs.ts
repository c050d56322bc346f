import type { LogEntry, LogStore } from "@threadspace/host";
import type { EngineLogger } from "../engine-options.ts";

/** Writes one kept log entry to the engine's logger: `[plugin <name>] message {fields}`. */
export function forwardLog(logger: EngineLogger, entry: LogEntry): void {
  const tag = `[plugin ${entry.plugin}]`;
  if (Object.keys(entry.fields).length === 0) logger[entry.level](tag, entry.message);
  else logger[entry.level](tag, entry.message, entry.fields);
}

/** Sends every entry `logs` keeps to `logger`, and reports failing log listeners there. */
export function forwardLogs(logs: LogStore, logger: EngineLogger): void {
  logs.onListenerError = (error, entry) => logger.warn(`[threadspace] a log listener failed on an entry of ${entry.plugin}:`, error);
  logs.subscribe((entry) => forwardLog(logger, entry));
}
