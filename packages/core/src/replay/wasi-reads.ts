/**
 * WASI clock and random values of a recorded or replayed call (docs/replay.md "WASI clock and
 * random"). The engine serves `clock_time_get`, `clock_res_get` and `random_get` itself
 * (wasi/wasi-values.ts): a recorded call keeps every value it read, in order; a replayed call is
 * served those values again, and the first read that is not the trace's (another function, another
 * clock or length, one more or one fewer) is reported as a difference.
 */
import { payloadBytes } from "./trace.ts";

/** The WASI functions whose values are recorded. */
export type WasiValueFunction = "clock_time_get" | "clock_res_get" | "random_get";

/** One read as a trace keeps it: `arg` is the clock id or the byte count; `value` the nanoseconds (decimal) or the bytes (base64); absent when `errno` is not 0. */
export interface TraceWasiRead {
  readonly fn: WasiValueFunction;
  readonly arg: number;
  readonly errno: number;
  readonly value?: string;
}

/** What a WASI value function answers: an errno, and on success the value. */
export interface WasiValue {
  readonly errno: number;
  readonly value?: bigint | Uint8Array;
}

/** The first read of a replay that is not the trace's (null: none). */
export interface WasiDifference {
  readonly kind: "wasi";
  readonly index: number;
  readonly expected: TraceWasiRead | null;
  readonly got: { readonly fn: WasiValueFunction; readonly arg: number } | null;
}

/** What the engine's WASI value functions ask for one recorded or replayed call. */
export interface CallWasi {
  /** The value to answer `fn(arg)` with; `live` reads the clock or random source. */
  read(fn: WasiValueFunction, arg: number, live: () => WasiValue): WasiValue;
}

/** Most random bytes one call records (a trace is not a place for bulk entropy); past it the recording is marked truncated. */
const MAX_RECORDED_RANDOM = 1024 * 1024;

function toTrace(fn: WasiValueFunction, arg: number, value: WasiValue): TraceWasiRead {
  if (value.errno !== 0 || value.value === undefined) return { fn, arg, errno: value.errno };
  return { fn, arg, errno: 0, value: typeof value.value === "bigint" ? value.value.toString() : base64Of(value.value) };
}

function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The value a trace entry stands for. */
export function valueOf(read: TraceWasiRead): WasiValue {
  if (read.errno !== 0 || read.value === undefined) return { errno: read.errno };
  return { errno: 0, value: read.fn === "random_get" ? payloadBytes({ base64: read.value }) : BigInt(read.value) };
}

/** Records every WASI value a call reads, in order. */
export class WasiRecorder implements CallWasi {
  readonly #reads: TraceWasiRead[] = [];
  #randomBytes = 0;
  #truncated = false;

  read(fn: WasiValueFunction, arg: number, live: () => WasiValue): WasiValue {
    const value = live();
    // Checked before the bytes are encoded: a hostile plugin's huge random_get is not copied into a string.
    if (this.#fits(fn, arg)) this.#reads.push(toTrace(fn, arg, value));
    return value;
  }

  /** Adds reads made elsewhere (a bridge or pool worker). */
  keep(...reads: readonly TraceWasiRead[]): void {
    for (const read of reads) if (this.#fits(read.fn, read.arg)) this.#reads.push(read);
  }

  /** Counts a read against the cap; false (and truncated from then on) past it. */
  #fits(fn: WasiValueFunction, arg: number): boolean {
    if (this.#truncated) return false;
    if (fn === "random_get") this.#randomBytes += arg;
    if (this.#randomBytes > MAX_RECORDED_RANDOM) this.#truncated = true;
    return !this.#truncated;
  }

  get reads(): readonly TraceWasiRead[] {
    return this.#reads;
  }

  /** True when reads were left out (over the random-bytes cap). */
  get truncated(): boolean {
    return this.#truncated;
  }
}

/**
 * Serves a trace's WASI values to a replayed call, in order. A read that is not the trace's next
 * one (another function or argument, or past the trace's end) is noted as the difference and
 * answered live from then on: the plugin keeps running on a working clock.
 */
export class WasiOverlay implements CallWasi {
  readonly #reads: readonly TraceWasiRead[];
  #next = 0;
  #difference: WasiDifference | undefined;

  constructor(reads: readonly TraceWasiRead[]) {
    this.#reads = reads;
  }

  read(fn: WasiValueFunction, arg: number, live: () => WasiValue): WasiValue {
    const index = this.#next++;
    const expected = this.#reads[index];
    if (this.#difference === undefined && (expected === undefined || expected.fn !== fn || expected.arg !== arg)) {
      this.#difference = { kind: "wasi", index, expected: expected ?? null, got: { fn, arg } };
    }
    return this.#difference === undefined && expected !== undefined ? valueOf(expected) : live();
  }

  /** The trace's reads (sent to a bridge or pool worker). */
  get reads(): readonly TraceWasiRead[] {
    return this.#reads;
  }

  /** Where the replay got to, to hand back from a worker. */
  state(): WasiReplayState {
    return { next: this.#next, ...(this.#difference === undefined ? {} : { difference: this.#difference }) };
  }

  /** Takes a worker's replay state as this one's. */
  adopt(state: WasiReplayState): void {
    this.#next = state.next;
    this.#difference = state.difference;
  }

  /** The first differing read, counting reads the trace has and the replay never made. */
  difference(): WasiDifference | undefined {
    if (this.#difference !== undefined) return this.#difference;
    const missed = this.#reads[this.#next];
    return missed === undefined ? undefined : { kind: "wasi", index: this.#next, expected: missed, got: null };
  }
}

/** How far a replay in a worker got: the reads it made and its first difference. */
export interface WasiReplayState {
  readonly next: number;
  readonly difference?: WasiDifference | undefined;
}
