/**
 * Extism vars (`var_get` / `var_set`) of a recorded or replayed call. Vars live in the plugin's
 * instance across calls, so a call's output can depend on its earlier calls. A recorded call
 * keeps what its var reads found when it started (the keys it read before it set them: the
 * smallest exact record); a replayed call sees exactly those vars, and its writes stay with the
 * replay: the instance's own vars are not read or changed. The kernel memory guard
 * (limits/host-memory.ts) asks a call's {@link CallVars} on every var_get and var_set, inline and
 * in a bridge worker (which fetches the served vars and sends its reads back over its host-call
 * channel, bridge-channel.ts).
 */
import { encodePayload, payloadBytes, type TracePayload } from "./trace.ts";
import { WasiOverlay, WasiRecorder, type CallWasi, type TraceWasiRead, type WasiReplayState } from "./wasi-reads.ts";

/** A var's bytes, or null: not set. */
export type VarBytes = Uint8Array | null;

/** Vars as a trace keeps them (key → bytes, null: the call found it unset). */
export type TraceVars = Readonly<Record<string, TracePayload | null>>;

/** What var_get and var_set of one recorded or replayed call do. */
export interface CallVars {
  /** The value var_get gives for `key`; `live` reads the instance's own. */
  get(key: string, live: () => VarBytes): VarBytes;
  /** A var_set of `key` (null: deleted). False: served here, the instance's vars must not take it. */
  set(key: string, value: VarBytes): boolean;
  /** Bytes of the served vars (keys and values) were `key` set to `value`; 0 when the instance's vars are used. */
  sizeWith(key: string, value: VarBytes): number;
  /** The call's WASI clock and random reads (replay/wasi-reads.ts): recorded, or served from a version-3 trace; undefined: live. */
  readonly wasi?: CallWasi | undefined;
}

const encoder = new TextEncoder();

/** Records the value each var had when the call started, for the keys the call read before setting them. */
export class VarRecorder implements CallVars {
  readonly #reads = new Map<string, VarBytes>();
  readonly #touched = new Set<string>();
  /** The WASI clock and random values the call reads. */
  readonly wasi = new WasiRecorder();

  get(key: string, live: () => VarBytes): VarBytes {
    const value = live();
    if (!this.#touched.has(key)) {
      this.#touched.add(key);
      this.#reads.set(key, value === null ? null : value.slice());
    }
    return value;
  }

  set(key: string): boolean {
    this.#touched.add(key);
    return true;
  }

  sizeWith(): number {
    return 0;
  }

  /** Takes the reads a call made elsewhere (a bridge worker) as its own. */
  adopt(reads: TraceVars): void {
    for (const key of Object.keys(reads)) {
      if (this.#touched.has(key)) continue;
      this.#touched.add(key);
      const value = reads[key];
      this.#reads.set(key, value === null || value === undefined ? null : payloadBytes(value));
    }
  }

  /** The reads as a trace keeps them. */
  toTrace(): TraceVars {
    // fromEntries defines own properties: a var named "__proto__" stays a var.
    return Object.fromEntries([...this.#reads].map(([key, value]) => [key, value === null ? null : encodePayload(value)]));
  }

  /** True when the call read no var. */
  get empty(): boolean {
    return this.#reads.size === 0;
  }
}

/** Serves a trace's vars to a replayed call: reads see them alone, writes stay here. */
export class VarOverlay implements CallVars {
  readonly #vars = new Map<string, Uint8Array>();
  #bytes = 0;
  /** The trace's WASI values, served in order (absent before trace version 3: the call reads them live). */
  readonly wasi: WasiOverlay | undefined;

  constructor(vars: TraceVars, wasi?: readonly TraceWasiRead[]) {
    this.wasi = wasi === undefined ? undefined : new WasiOverlay(wasi);
    for (const key of Object.keys(vars)) {
      const value = vars[key];
      if (value !== null && value !== undefined) this.#put(key, payloadBytes(value));
    }
  }

  get(key: string): VarBytes {
    return this.#vars.get(key) ?? null;
  }

  set(key: string, value: VarBytes): boolean {
    if (value === null) {
      const old = this.#vars.get(key);
      if (old !== undefined) this.#bytes -= encoder.encode(key).byteLength + old.byteLength;
      this.#vars.delete(key);
    } else this.#put(key, value.slice());
    return false;
  }

  sizeWith(key: string, value: VarBytes): number {
    const old = this.#vars.get(key);
    const keyBytes = encoder.encode(key).byteLength;
    return this.#bytes - (old === undefined ? 0 : keyBytes + old.byteLength) + (value === null ? 0 : keyBytes + value.byteLength);
  }

  #put(key: string, value: Uint8Array): void {
    this.#bytes = this.sizeWith(key, value);
    this.#vars.set(key, value);
  }

  /** The served vars as a trace keeps them (sent to a bridge worker). */
  toTrace(): TraceVars {
    return Object.fromEntries([...this.#vars].map(([key, value]) => [key, encodePayload(value)]));
  }
}

/** How a call's vars cross to a bridge worker: served (replay) or recorded. */
export type VarsOrder = { readonly serve: TraceVars; readonly wasi?: readonly TraceWasiRead[] } | { readonly record: true };

/** The order for a call's vars (engine side of a bridge worker). */
export function varsOrder(vars: CallVars): VarsOrder {
  if (!(vars instanceof VarOverlay)) return { record: true };
  return vars.wasi === undefined ? { serve: vars.toTrace() } : { serve: vars.toTrace(), wasi: vars.wasi.reads };
}

/** The worker's own {@link CallVars} for an order. */
export function varsOf(order: VarsOrder): VarRecorder | VarOverlay {
  return "serve" in order ? new VarOverlay(order.serve, order.wasi) : new VarRecorder();
}

/** What a worker sends back after a recorded or replayed call (undefined: nothing to send). */
export interface VarsReport {
  readonly reads?: TraceVars;
  readonly wasi?: readonly TraceWasiRead[];
  readonly wasiReplay?: WasiReplayState;
}

/** The report of a worker's call vars, or undefined when there is nothing in it. */
export function varsReport(vars: VarRecorder | VarOverlay): VarsReport | undefined {
  if (vars instanceof VarRecorder) {
    if (vars.empty && vars.wasi.reads.length === 0) return undefined;
    return { ...(vars.empty ? {} : { reads: vars.toTrace() }), ...(vars.wasi.reads.length === 0 ? {} : { wasi: vars.wasi.reads }) };
  }
  return vars.wasi === undefined ? undefined : { wasiReplay: vars.wasi.state() };
}

/** Takes a worker's report into the engine's call vars. */
export function adoptReport(vars: CallVars, report: VarsReport): void {
  if (vars instanceof VarRecorder) {
    if (typeof report.reads === "object" && report.reads !== null) vars.adopt(report.reads);
    if (Array.isArray(report.wasi)) vars.wasi.keep(...report.wasi);
  } else if (vars instanceof VarOverlay && report.wasiReplay !== undefined) vars.wasi?.adopt(report.wasiReplay);
}
