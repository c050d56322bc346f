import type { CallTransaction, EventBus, ExtismCallContext, HostCallTap, LiveHostCall, LogStore } from "@threadspace/host";
import { isThreadspaceError } from "@threadspace/errors";
import type { CallTap } from "./call-tap.ts";
import { VarRecorder } from "./call-vars.ts";
import { TRACE_FORMAT, TRACE_VERSION, encodePayload, type CallTrace, type HostExchange, type TraceEvent, type TraceLog } from "./trace.ts";

/** A host call as recorded: bytes as they crossed, encoded only if a trace is made of them. */
interface RawExchange {
  readonly fn: string;
  readonly request: Uint8Array | null;
  readonly reply: string | Uint8Array | null;
}

const sizeOf = (value: string | Uint8Array | null): number => (value === null ? 4 : typeof value === "string" ? value.length : Math.ceil(value.byteLength * 1.4)) + 12;
const encoded = (value: string | Uint8Array | null) => (value === null ? null : encodePayload(value));

/** What a trace says about the call before it runs. */
export interface RecordingStart {
  readonly plugin: CallTrace["plugin"];
  readonly exportName: string;
  readonly input: string | Uint8Array;
  readonly budget: number | undefined;
  /** The plugin's resolved config (the store's object, replaced, never changed, when the config changes: copied only into a trace). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Where the recorder listens: the engine's log store and event bus. */
export interface RecordingSources {
  readonly logs: LogStore;
  readonly events: EventBus;
}

/**
 * Records one call: its host calls (as the transaction's tap), the log lines and events of its
 * plugin while it runs, then its outcome, into a {@link CallTrace} of at most `maxBytes`. Bytes
 * are kept as they crossed and encoded by `finish`, so a call whose trace is not wanted (a
 * successful call under `record: "errors"`) pays for no encoding.
 */
export class TraceRecorder implements CallTap, HostCallTap {
  readonly #start: RecordingStart;
  readonly #sources: RecordingSources;
  readonly #maxBytes: number;
  readonly #host: RawExchange[] = [];
  readonly #logs: TraceLog[] = [];
  readonly #events: TraceEvent[] = [];
  #size: number;
  #truncated = false;
  readonly #startedAt = new Date();
  readonly #started = performance.now();
  readonly #stop: Array<() => void> = [];
  /** The vars the call reads (Extism's var_get), as they were when it started. */
  readonly vars = new VarRecorder();

  constructor(start: RecordingStart, sources: RecordingSources, maxBytes: number) {
    this.#start = start;
    this.#sources = sources;
    this.#maxBytes = maxBytes;
    this.#size = 1024 + sizeOf(start.input);
  }

  /** The call starts running: take its host calls, its plugin's log lines and published events. */
  begin(tx: CallTransaction | undefined): void {
    if (tx !== undefined) tx.tap = this;
    const name = this.#start.plugin.name;
    this.#stop.push(
      this.#sources.logs.subscribe((entry) => this.#keep(this.#logs, { level: entry.level, message: entry.message, source: entry.source }, entry.message.length + 64), { plugin: name }),
      this.#sources.events.listen((event) => {
        if (event.source === name) this.#keep(this.#events, { topic: event.topic, payload: event.payload }, event.topic.length + (JSON.stringify(event.payload)?.length ?? 4) + 32);
      }),
    );
  }

  /** The call ended: nothing more is this call's (the plugin's next call may start now). */
  end(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  exchange(fn: string, request: Uint8Array | null, context: ExtismCallContext, live: LiveHostCall): bigint | Promise<bigint> {
    let reply: string | Uint8Array | null = null;
    const capturing: ExtismCallContext = {
      read: (handle) => context.read(handle),
      store: (value) => {
        reply = value;
        return context.store(value);
      },
      hostContext: <T>() => context.hostContext<T>(),
    };
    const settle = (handle: bigint): bigint => {
      this.#keep(this.#host, { fn, request, reply }, fn.length + sizeOf(request) + sizeOf(reply) + 32);
      return handle;
    };
    const handle = live(capturing);
    return typeof handle === "bigint" ? settle(handle) : handle.then(settle);
  }

  #keep<T>(list: T[], item: T, size: number): void {
    if (this.#truncated) return;
    if (this.#size + size > this.#maxBytes) {
      this.#truncated = true;
      return;
    }
    this.#size += size;
    list.push(item);
  }

  /** The call ended and no trace is wanted: let go of what was recorded. */
  discard(): void {
    this.end();
    this.#host.length = 0;
    this.#logs.length = 0;
    this.#events.length = 0;
  }

  /** The trace of the call that ended with `output` and `fuel`, or with `error`. */
  finish(outcome: { readonly output: Uint8Array | null; readonly fuel: number | undefined } | { readonly error: unknown }): CallTrace {
    this.end();
    const { plugin, exportName, budget, config, input } = this.#start;
    const host: HostExchange[] = this.#host.map((raw) => ({ fn: raw.fn, request: encoded(raw.request), reply: encoded(raw.reply) }));
    // Event payloads and the config are the engine's objects: the trace gets copies (plain JSON).
    const events = this.#events.map((event) => ({ topic: event.topic, payload: JSON.parse(JSON.stringify(event.payload ?? null)) as unknown }));
    const result: CallTrace["result"] = "error" in outcome ? { error: errorOf(outcome.error) } : { output: outcome.output === null ? null : encodePayload(outcome.output) };
    const trace: CallTrace = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      plugin,
      export: exportName,
      input: encodePayload(input),
      ...(budget === undefined ? {} : { budget }),
      config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
      ...(this.vars.empty ? {} : { vars: this.vars.toTrace() }),
      ...(this.vars.wasi.reads.length === 0 ? {} : { wasi: [...this.vars.wasi.reads] }),
      host,
      events,
      logs: this.#logs,
      result,
      fuel: "error" in outcome ? null : (outcome.fuel ?? null),
      timing: { startedAt: this.#startedAt.toISOString(), durationMs: Math.round((performance.now() - this.#started) * 1000) / 1000 },
      ...(this.#truncated || this.vars.wasi.truncated ? { truncated: true as const } : {}),
    };
    const output = "output" in outcome && outcome.output !== null ? outcome.output.byteLength * 1.4 : 0;
    // The running estimate leaves out the config, the output and escaping: measure when it may be near the cap.
    return this.#size + output > this.#maxBytes / 4 ? fit(trace, this.#maxBytes) : trace;
  }
}

/**
 * The trace within `maxBytes` of JSON: log lines, then host calls, then events are dropped from
 * the end (`truncated: true`) until it fits. One whose input, output and config alone are larger
 * stays over the cap (replay it with a larger `maxBytes`).
 */
function fit(trace: CallTrace, maxBytes: number): CallTrace {
  let size = JSON.stringify(trace).length;
  if (size <= maxBytes) return trace;
  const logs = [...trace.logs];
  const host = [...trace.host];
  const events = [...trace.events];
  size = dropUntil(logs, size, maxBytes);
  size = dropUntil(host, size, maxBytes);
  dropUntil(events, size, maxBytes);
  return { ...trace, logs, host, events, truncated: true };
}

/** Drops items from the end of `list` while `size` (JSON characters) is over `maxBytes`; returns the size left. */
function dropUntil<T>(list: T[], size: number, maxBytes: number): number {
  let left = size;
  while (left > maxBytes && list.length > 0) left -= JSON.stringify(list.pop()).length + 1;
  return left;
}

/** An error as a trace keeps it: its code and message. */
export function errorOf(error: unknown): { code: string; message: string } {
  if (isThreadspaceError(error)) return { code: error.code, message: error.message };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}
