import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { parseTrace } from "./parse-trace.ts";
import { DEFAULT_MAX_TRACE_BYTES, type CallTrace, type TraceRedactor } from "./trace.ts";

/** Traces of failed calls kept per plugin by default. */
export const DEFAULT_KEEP_TRACES = 16;

/** `createEngine({ record })` as an object. */
export interface RecordOptions {
  /** `"errors"`: record every call and keep the traces of those that fail (`engine.traces(name)`); `"off"` (default): only calls with `{ record: true }`. */
  readonly calls?: "errors" | "off";
  /** Traces of failed calls kept per plugin, oldest dropped first. Default 16. */
  readonly keep?: number;
  /** Largest trace, in bytes of JSON: past it host calls and log lines are left out (`truncated: true`), and replay refuses larger ones. Default 8 MiB. */
  readonly maxBytes?: number;
  /** Runs on every trace before the engine returns or keeps it: drop secrets from requests, replies, input, config. */
  readonly redact?: TraceRedactor;
}

/** `createEngine({ record })`: `"errors"` (as `{ calls: "errors" }`), `"off"`, or {@link RecordOptions}. */
export type EngineRecordOption = "errors" | "off" | RecordOptions;

/** Where a warning about a dropped trace goes (the engine's logger). */
type Warn = (message: string) => void;

/**
 * The engine's side of recording: its policy (`createEngine({ record })`), the redaction hook,
 * and a bounded ring per plugin of the traces of failed calls.
 */
export class TraceStore {
  readonly recordsErrors: boolean;
  readonly maxBytes: number;
  readonly #keep: number;
  readonly #redact: TraceRedactor | undefined;
  readonly #warn: Warn;
  readonly #rings = new Map<string, CallTrace[]>();

  constructor(option: EngineRecordOption | undefined, warn: Warn) {
    const options: RecordOptions = option === undefined || option === "off" ? {} : option === "errors" ? { calls: "errors" } : option;
    this.recordsErrors = options.calls === "errors";
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_TRACE_BYTES;
    this.#keep = options.keep ?? DEFAULT_KEEP_TRACES;
    this.#redact = options.redact;
    this.#warn = warn;
  }

  /**
   * The trace as it may leave the engine: redacted by the embedder's hook and checked again. A
   * hook that throws or returns something that is not a trace drops it (never kept unredacted)
   * and says so on the engine's logger.
   */
  release(trace: CallTrace): CallTrace | undefined {
    if (this.#redact === undefined) return trace;
    try {
      return parseTrace(this.#redact(structuredClone(trace)), Infinity);
    } catch (error) {
      this.#warn(`[threadspace] [plugin ${trace.plugin.name}] the trace of ${trace.export} was dropped: createEngine's record.redact ${error instanceof ThreadspaceError ? "returned something that is not a trace" : "threw"} (${messageOf(error)}).`);
      return undefined;
    }
  }

  /** Keeps a failed call's trace in its plugin's ring. */
  add(name: string, trace: CallTrace): void {
    if (this.#keep === 0) return;
    let ring = this.#rings.get(name);
    if (ring === undefined) {
      ring = [];
      this.#rings.set(name, ring);
    }
    ring.push(trace);
    if (ring.length > this.#keep) ring.splice(0, ring.length - this.#keep);
  }

  /** The kept traces of a plugin's failed calls, oldest first (copies). */
  list(name: string): CallTrace[] {
    return (this.#rings.get(name) ?? []).map((trace) => structuredClone(trace));
  }

  /** Drops a plugin's traces (it was uninstalled). */
  forget(name: string): void {
    this.#rings.delete(name);
  }
}

const errorTraces = new WeakMap<object, CallTrace>();

/** Attaches a failed recorded call's trace to its error (read with {@link traceOf}). */
export function attachTrace(error: unknown, trace: CallTrace): void {
  if (typeof error === "object" && error !== null) errorTraces.set(error, trace);
}

/**
 * The trace of a recorded call that failed, from the error it rejected with; undefined for any
 * other error. (Across `connectEngine` errors arrive without it: read `engine.traces(name)`.)
 *
 * @example
 * try { await engine.call("p", "run", input, { record: true }) } catch (e) { save(traceOf(e)) }
 */
export function traceOf(error: unknown): CallTrace | undefined {
  return typeof error === "object" && error !== null ? errorTraces.get(error) : undefined;
}
