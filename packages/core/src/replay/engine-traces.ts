import { ThreadspaceError } from "@threadspace/errors";
import type { CallResult } from "../calls/call-result.ts";
import type { CallTap } from "./call-tap.ts";
import { parseTrace } from "./parse-trace.ts";
import { recordCall } from "./record-call.ts";
import { replayCall, type ReplayOptions, type ReplayResult, type ReplayTarget } from "./replay-call.ts";
import type { CallTrace } from "./trace.ts";
import type { RecordingSources } from "./trace-recorder.ts";
import { TraceStore, type EngineRecordOption } from "./trace-store.ts";

/** A call as the engine runs it for recording or replay: with a tap, an input and the call's fuel budget. */
export type TappedRun = (tap: CallTap, input: string | Uint8Array) => Promise<CallResult>;

/**
 * Recording and replay as the engine offers them (`engine.call(..., { record })`,
 * `createEngine({ record })`, `engine.traces`, `engine.replay`): the engine hands it the plugin
 * and a way to run the call; everything else lives in replay/.
 */
export class EngineTraces {
  readonly #store: TraceStore;
  readonly #sources: RecordingSources;

  constructor(option: EngineRecordOption | undefined, warn: (message: string) => void, sources: RecordingSources) {
    this.#store = new TraceStore(option, warn);
    this.#sources = sources;
  }

  /** Whether this call is recorded: `{ record: true }`, or the engine records every call (`record: "errors"`). Throws `bad_input` for a `record` that is not a boolean. */
  records(record: unknown, plugin: string): boolean {
    if (record !== undefined && typeof record !== "boolean") throw new ThreadspaceError("bad_input", `engine.call's { record } must be true or false; got ${record === null ? "null" : typeof record}.`, { plugin });
    return record === true || this.#store.recordsErrors;
  }

  /** Runs a recorded call (see `recordCall`). */
  call(target: ReplayTarget, exportName: string, input: string | Uint8Array, budget: number | undefined, returnTrace: boolean, run: TappedRun): Promise<CallResult> {
    const start = { plugin: { name: target.name, version: target.version, sha256: target.sha256 }, exportName, input, budget, config: target.config, returnTrace };
    return recordCall(start, this.#sources, this.#store, (tap) => run(tap, input));
  }

  /** Checks a trace and the replay's options (`bad_input` with the path of each problem). */
  parse(trace: unknown, options: ReplayOptions): CallTrace {
    if (typeof options !== "object" || options === null) throw new ThreadspaceError("bad_input", `engine.replay's options must be an object like { plugin: "name" }; got ${options === null ? "null" : typeof options}.`);
    if (options.plugin !== undefined && (typeof options.plugin !== "string" || options.plugin === "")) throw new ThreadspaceError("bad_input", "engine.replay's { plugin } must be the name of an installed plugin.", { issues: [{ path: "options.plugin", message: "must be a non-empty string" }] });
    const maxBytes = options.maxBytes ?? this.#store.maxBytes;
    if (typeof maxBytes !== "number" || !Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new ThreadspaceError("bad_input", "engine.replay's { maxBytes } must be a whole number of bytes from 1.", { issues: [{ path: "options.maxBytes", message: "must be a whole number from 1" }] });
    return parseTrace(trace, maxBytes);
  }

  /** Replays a checked trace on `target` through `run` (see `replayCall`). */
  replay(trace: CallTrace, target: ReplayTarget, run: TappedRun): Promise<ReplayResult> {
    return replayCall(trace, target, run);
  }

  /** The kept traces of a plugin's failed calls, oldest first. */
  list(name: string): CallTrace[] {
    return this.#store.list(name);
  }

  forget(name: string): void {
    this.#store.forget(name);
  }
}
