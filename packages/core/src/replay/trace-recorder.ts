import type { CallTransaction, EventBus, ExtismCallContext, HostCallTap, LiveHostCall, LogStore } from "@threadspace/host";
import { isThreadspaceError } from "@threadspace/errors";
import type { CallTap } from "./call-tap.ts";
import { TRACE_FORMAT, TRACE_VERSION, encodePayload, payloadSize, type CallTrace, type HostExchange, type TraceEvent, type TraceLog, type TracePayload } from "./trace.ts";

/** What a trace says about the call before it runs. */
export interface RecordingStart {
  readonly plugin: CallTrace["plugin"];
  readonly exportName: string;
  readonly input: string | Uint8Array;
  readonly budget: number | undefined;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Where the recorder listens: the engine's log store and event bus. */
export interface RecordingSources {
  readonly logs: LogStore;
  readonly events: EventBus;
}

/**
 * Records one call: its host calls (as the transaction's tap), the log lines and events of its
 * plugin while it runs, then its outcome, into a {@link CallTrace} of at most `maxBytes`.
 */
export class TraceRecorder implements CallTap, HostCallTap {
  readonly #start: RecordingStart;
  readonly #sources: RecordingSources;
  readonly #maxBytes: number;
  readonly #host: HostExchange[] = [];
  readonly #logs: TraceLog[] = [];
  readonly #events: TraceEvent[] = [];
  readonly #input: TracePayload;
  #size: number;
  #truncated = false;
  readonly #startedAt = new Date();
  readonly #started = performance.now();
  readonly #stop: Array<() => void> = [];

  constructor(start: RecordingStart, sources: RecordingSources, maxBytes: number) {
    this.#start = start;
    this.#sources = sources;
    this.#maxBytes = maxBytes;
    this.#input = encodePayload(start.input);
    this.#size = 1024 + payloadSize(this.#input) + JSON.stringify(start.config).length;
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
      const exchange: HostExchange = { fn, request: request === null ? null : encodePayload(request), reply: reply === null ? null : encodePayload(reply) };
      this.#keep(this.#host, exchange, fn.length + payloadSize(exchange.request) + payloadSize(exchange.reply) + 32);
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

  /** The trace of the call that ended with `output` and `fuel`, or with `error`. */
  finish(outcome: { readonly output: Uint8Array | null; readonly fuel: number | undefined } | { readonly error: unknown }): CallTrace {
    this.end();
    const { plugin, exportName, budget, config } = this.#start;
    const result: CallTrace["result"] = "error" in outcome ? { error: errorOf(outcome.error) } : { output: outcome.output === null ? null : encodePayload(outcome.output) };
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      plugin,
      export: exportName,
      input: this.#input,
      ...(budget === undefined ? {} : { budget }),
      config,
      host: this.#host,
      events: this.#events,
      logs: this.#logs,
      result,
      fuel: "error" in outcome ? null : (outcome.fuel ?? null),
      timing: { startedAt: this.#startedAt.toISOString(), durationMs: Math.round((performance.now() - this.#started) * 1000) / 1000 },
      ...(this.#truncated ? { truncated: true as const } : {}),
    };
  }
}

/** An error as a trace keeps it: its code and message. */
export function errorOf(error: unknown): { code: string; message: string } {
  if (isThreadspaceError(error)) return { code: error.code, message: error.message };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}
