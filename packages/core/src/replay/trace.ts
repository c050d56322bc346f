/**
 * A call trace (`.tstrace`, docs/replay.md): plain JSON that records one `engine.call` at the
 * host-API boundary, enough to run the same export again with every host reply served from it.
 */

/** The `format` every trace carries. */
export const TRACE_FORMAT = "threadspace-trace";
/** The trace layout this engine writes (2: `vars` added; 3: `wasi` added). */
export const TRACE_VERSION = 3;
/** The trace layouts this engine reads: version 1 (no `vars`: a replay reads the instance's own vars), 2 (no `wasi`: a replay reads WASI clock and random live) and 3. */
export const TRACE_VERSIONS_READ: readonly number[] = [1, 2, 3];
/** Default cap on one trace, in bytes of its JSON (recording stops adding host calls and logs past it; larger traces are refused on replay). */
export const DEFAULT_MAX_TRACE_BYTES = 8 * 1024 * 1024;

/** Bytes as a trace keeps them: JSON when they are JSON text that prints back byte for byte, else text (UTF-8), else base64. */
export type TracePayload = { readonly json: unknown } | { readonly text: string } | { readonly base64: string };

/** One host-function call: the import name, the request and the reply as bytes (null: no block). */
export interface HostExchange {
  readonly fn: string;
  readonly request: TracePayload | null;
  readonly reply: TracePayload | null;
}

/** A log line the call wrote (ts_log, the Extism kernel's log functions, the engine about it). */
export interface TraceLog {
  readonly level: string;
  readonly message: string;
  readonly source: string;
}

/** An event the call published (delivered once it committed). */
export interface TraceEvent {
  readonly topic: string;
  readonly payload: unknown;
}

/** How a recorded call ended: its output (null: it wrote none), or its error. */
export type TraceResult = { readonly output: TracePayload | null } | { readonly error: { readonly code: string; readonly message: string } };

/** One recorded call. */
export interface CallTrace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: 1 | 2 | typeof TRACE_VERSION;
  /** The plugin that served it: name, version, `sha256:<hex>` of its wasm (null for a precompiled module). */
  readonly plugin: { readonly name: string; readonly version: string; readonly sha256: string | null };
  readonly export: string;
  readonly input: TracePayload;
  /** The call's own fuel budget (`engine.call(..., { fuel })`), when it set one. */
  readonly budget?: number;
  /** The plugin's resolved config when the call ran (plugin.json defaults merged with overrides). */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Extism vars the call read before it set them, with what they held when it started (null:
   * unset); absent: it read none. A replay of a version-2 trace serves exactly these.
   */
  readonly vars?: Readonly<Record<string, TracePayload | null>>;
  /**
   * The WASI clock and random values the call read (`clock_time_get`, `clock_res_get`,
   * `random_get`), in order; absent when it read none. A replay of a version-3 trace serves these.
   */
  readonly wasi?: readonly TraceWasiRead[];
  /** Every `extism:host/user` call, in order. */
  readonly host: readonly HostExchange[];
  readonly events: readonly TraceEvent[];
  readonly logs: readonly TraceLog[];
  readonly result: TraceResult;
  /** Fuel the call used (null: not metered, or it failed). */
  readonly fuel: number | null;
  /** When it started (ISO 8601) and how long it took, queueing included, in ms. */
  readonly timing: { readonly startedAt: string; readonly durationMs: number };
  /** Set when the recording hit its size cap: host calls or log lines past it are missing. */
  readonly truncated?: true;
}

/** The embedder's hook over every trace before it leaves the engine (drop secrets); returns the trace to keep. */
export type TraceRedactor = (trace: CallTrace) => CallTrace;

import type { TraceWasiRead } from "./wasi-reads.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Bytes (or text) as a trace payload. */
export function encodePayload(value: Uint8Array | string): TracePayload {
  let text: string;
  if (typeof value === "string") text = value;
  else {
    try {
      text = decoder.decode(value);
    } catch {
      return { base64: toBase64(value) };
    }
  }
  try {
    const json: unknown = JSON.parse(text);
    // Only when it prints back as the same text: a replayed reply must be the same bytes.
    if (JSON.stringify(json) === text) return { json };
  } catch {
    // Not JSON: kept as text.
  }
  return { text };
}

/** The bytes a payload stands for (payloads are checked by parseTrace first). */
export function payloadBytes(payload: TracePayload): Uint8Array {
  if ("json" in payload) return encoder.encode(JSON.stringify(payload.json));
  if ("text" in payload) return encoder.encode(payload.text);
  const binary = atob(payload.base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** True when two payloads (or two nulls) stand for the same bytes. */
export function samePayload(a: TracePayload | null, b: TracePayload | null): boolean {
  if (a === null || b === null) return a === b;
  const x = payloadBytes(a);
  const y = payloadBytes(b);
  if (x.byteLength !== y.byteLength) return false;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}
