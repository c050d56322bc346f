/**
 * The shared-memory call protocol between the engine's thread and a bridge worker (one
 * SharedArrayBuffer per worker, used by both directions, one message in flight at a time).
 *
 * Layout: a header of {@link HEADER_WORDS} Int32 words ({@link Word}), then {@link HEADER_SLOTS}
 * Float64 slots ({@link Slot}), then the data region. Word STATE is the only one waited on and
 * notified; the others describe the message in the data region.
 *
 * Ownership moves with STATE: the engine writes only while the state is IDLE, DONE or MOVED
 * (then hands over with CALL); the worker writes only while it is CALL (then hands back with
 * DONE). Each side publishes with Atomics.store + Atomics.notify after writing the data, and reads
 * after an Atomics.load that saw the new state, so the data writes are visible (seq-cst).
 *
 * Growth: a payload larger than the data region is never split. Its writer allocates a bigger
 * SharedArrayBuffer (power of two), writes the message there (state CALL or DONE in the new
 * buffer), posts the new buffer to the other side with postMessage, then sets MOVED in the old
 * buffer and notifies. The reader, woken by MOVED, takes the new buffer from its message queue
 * and carries on there; both sides use the bigger buffer from then on.
 *
 * Host calls (worker → engine → worker while a call is in flight): HOST (the worker wrote a
 * host-call request and blocks in Atomics.wait) and HOST_DONE (the engine wrote the reply).
 */

import type { HostMemoryLimits } from "../../limits/host-memory.ts";

/** Int32 words of the header. */
export const Word = {
  /** Who owns the buffer and what it holds ({@link State}); the only word waited on / notified. */
  STATE: 0,
  /** Call: byte length of the export name at the start of the data region. Host request: index of the function in the start message's `hostFunctions`. */
  NAME: 1,
  /** Call: input byte length (after the name). Reply: output / error / host-request byte length. */
  LENGTH: 2,
  /** Reply: {@link Status}. */
  STATUS: 3,
  /** Reply to a call: the guest's memory in 64 KiB pages after it (worker). */
  PAGES: 4,
  /** Call: the plugin's live log level as an Extism priority ({@link LOG_PRIORITY}). */
  LOG_LEVEL: 5,
  /** Call: the version of the plugin's config; the worker fetches it ({@link CONFIG_FUNCTION}) when it differs from its copy. */
  CONFIG_VERSION: 6,
  /** Reply with status ERROR: what failed ({@link GuestErrorKind}). */
  ERROR_KIND: 7,
  /** Call: which of the worker's instances it is for (0 in a bridge worker of one plugin; a pool worker hosts many). */
  INSTANCE: 8,
  /** Call: 1 when the call is recorded or replayed: the worker asks {@link VAR_FUNCTION} what to do with its Extism vars. Also keeps the Float64 slots 8-byte aligned. */
  VARS: 9,
} as const;
export const HEADER_WORDS = 10;

/**
 * Float64 slots after the words (fuel counts go past 2^31; NaN = none). The worker's fuel meter
 * (issue 9) reads the budget and the time left with each call and writes the fuel used with the reply.
 */
export const Slot = {
  /** Call: the most fuel it may use; NaN: no budget. */
  FUEL_BUDGET: 0,
  /** Call: ms left until its deadline when it was sent; NaN: none (the worker turns it into its own clock's deadline). */
  TIME_LEFT_MS: 1,
  /** Reply to a call: the fuel it used; NaN where the module is not metered. */
  FUEL_USED: 2,
  /** Reply to a call that trapped: the pages of a `memory.grow` its memory cap refused before (NaN: none), so the engine reports `memory_limit`. */
  GROW_REFUSED_PAGES: 3,
} as const;
export const HEADER_SLOTS = 4;

export const HEADER_BYTES = HEADER_WORDS * 4 + HEADER_SLOTS * 8;

/** Values of word STATE. */
export const State = {
  IDLE: 0,
  CALL: 1,
  DONE: 2,
  MOVED: 3,
  HOST: 4,
  HOST_DONE: 5,
  /**
   * Engine, while no call is in flight (pool workers): "leave the buffer and read your message
   * queue" — an `instantiate` or `dispose` message was posted. The worker handles it, posts its
   * answer, sets IDLE and waits on the buffer again.
   */
  YIELD: 6,
} as const;
export type State = (typeof State)[keyof typeof State];

/** Values of word STATUS. */
export const Status = {
  /** Output bytes follow. */
  OK: 0,
  /** The export returned without output (plugin.call gave null). */
  NO_OUTPUT: 1,
  /** The call or host call failed: a UTF-8 message follows; a call's reply also sets word ERROR_KIND. */
  ERROR: 2,
  /**
   * Host reply only: the reply does not fit, word LENGTH says how many bytes it needs. The worker
   * (whose event loop is blocked, so it cannot receive a buffer) allocates one that big, posts it,
   * and sets MOVED; the engine writes the reply there. Works where receiveMessageOnPort does not.
   */
  NEED: 3,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/**
 * Reserved host-function names (the worker's kernel): {@link CONFIG_FUNCTION} answers the
 * plugin's config as JSON (no arguments); {@link LOG_FUNCTION} takes the priority as its one
 * i64 argument with the log line's UTF-8 bytes as that argument's block.
 */
/** The key a forwarded import is named by in `hostFunctions`: the bare name in `extism:host/user`, `<module>#<name>` elsewhere. */
export function bridgeKey(module: string, name: string): string {
  return module === "extism:host/user" ? name : `${module}#${name}`;
}
export const CONFIG_FUNCTION = "#config";
export const LOG_FUNCTION = "#log";
/** The engine's side of a recorded or replayed call's Extism vars (replay/call-vars.ts): one JSON argument, `{"order":true}` (answers a VarsOrder) or `{"reads":{...}}`. */
export const VAR_FUNCTION = "#var";
/** A line the plugin wrote to WASI stdout or stderr during a call (wasi/worker-wasi.ts): its one i64 argument is the stream (1 or 2), with the line's UTF-8 bytes as its block (as {@link LOG_FUNCTION}). */
export const WASI_OUTPUT_FUNCTION = "#wasi";

/** The engine's own WASI for a plugin in a worker (Node): output lines to the engine's log, read-only mounts. */
export interface WorkerWasiSpec {
  /** The plugin's name, for errors. */
  readonly plugin: string;
  /** Linked under `wasi_snapshot_preview1` (wasi/wasi-adapter.ts), compiled by the engine. */
  readonly adapter: WebAssembly.Module;
  /** Send stdout/stderr lines to the engine (else discard them). */
  readonly output: boolean;
  /** Read-only mounts: guest path to host directory (checked by the engine already). */
  readonly allowedPaths: Readonly<Record<string, string>>;
  /** The engine's /dev/null descriptors for the plugin's stdin, stdout and stderr (process-wide). */
  readonly stdio?: readonly [number, number];
}

/** What instantiating one plugin in a worker needs (a bridge worker's one plugin, or one of a pool worker's). */
export interface GuestSpec {
  readonly module: WebAssembly.Module;
  readonly useWasi: boolean;
  readonly config: Record<string, string>;
  readonly configVersion: number;
  /** Names of the host functions the engine serves, by index (word NAME of a host request). */
  readonly hostFunctions: readonly string[];
  /** The kernel caps the worker enforces (limits/host-memory.ts). */
  readonly hostMemory: HostMemoryLimits;
  /** Pool workers: ms a metered module's instantiation (start functions) may run before its meter stops it; absent: no bound here. */
  readonly startMs?: number | undefined;
  /** Modules linked with `module`, by the name it imports them under (plugin.json `modules`). */
  readonly linked?: Readonly<Record<string, WebAssembly.Module>> | undefined;
  /** The engine's own WASI, served in the worker (instead of Extism's). */
  readonly wasi?: WorkerWasiSpec | undefined;
}

/** Starts a bridge worker of one plugin: instantiate `module` as instance 0 and serve calls over `buffer`. */
export interface StartMessage extends GuestSpec {
  readonly type: "start";
  readonly buffer: SharedArrayBuffer;
  /** µs the worker may spin before sleeping between messages. */
  readonly spinMicros: number;
}
/** Starts a pool worker with no plugin yet: serve calls over `buffer` (instances come with `instantiate`). */
export interface OpenMessage {
  readonly type: "open";
  readonly buffer: SharedArrayBuffer;
  readonly spinMicros: number;
}
/** Pool worker: instantiate one more plugin as instance `id` (sent before state YIELD). Answered with `ready` or `failed` carrying `id`. */
export interface InstantiateMessage extends GuestSpec {
  readonly type: "instantiate";
  readonly id: number;
}
/** Pool worker: forget instance `id` (sent before state YIELD). Answered with `disposed`. */
export interface DisposeMessage {
  readonly type: "dispose";
  readonly id: number;
}
/** The pool worker freed an instance. */
export interface DisposedMessage {
  readonly type: "disposed";
  readonly id: number;
}
/** Either side moved to a bigger buffer (see "Growth" above). */
export interface BufferMessage {
  readonly type: "buffer";
  readonly buffer: SharedArrayBuffer;
}
/** The worker instantiated the module (instance `id`) and serves calls. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly id: number;
}
/** The module could not be instantiated: `link` when an import could not be resolved. */
export interface FailedMessage {
  readonly type: "failed";
  readonly id: number;
  readonly kind: "link" | "other";
  readonly message: string;
}
/** A kernel log line of instance `id` written outside a call (instantiation, start functions). */
export interface LogMessage {
  readonly type: "log";
  readonly id: number;
  readonly priority: number;
  readonly text: string;
  /** Set for a line of WASI output (its stream) written outside a call; `priority` is then unused. */
  readonly wasi?: "stdout" | "stderr";
}

/** Messages posted to the worker (rare: start-up, instances coming and going, buffer moves). */
export type ToWorker = StartMessage | OpenMessage | InstantiateMessage | DisposeMessage | BufferMessage;
/** Messages the worker posts. */
export type FromWorker = ReadyMessage | FailedMessage | DisposedMessage | BufferMessage | LogMessage;

/** Extism's log priorities (what `get_log_level` returns); "silent" is above every level. */
export const LOG_PRIORITY = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 2147483647 } as const;
export type LogPriorityName = keyof typeof LOG_PRIORITY;

export const DEFAULT_CAPACITY = 64 * 1024;

/** Data-region capacity of a buffer. */
export function capacityOf(buffer: SharedArrayBuffer): number {
  return buffer.byteLength - HEADER_BYTES;
}

/** A buffer whose data region holds at least `bytes` (power-of-two total size). */
export function bufferFor(bytes: number): SharedArrayBuffer {
  let size = 1024;
  while (size - HEADER_BYTES < bytes) size *= 2;
  return new SharedArrayBuffer(size);
}

/** Views of one buffer: the words, the slots and the data region. */
export interface Views {
  readonly buffer: SharedArrayBuffer;
  readonly header: Int32Array;
  readonly slots: Float64Array;
  readonly data: Uint8Array;
}

export function viewsOf(buffer: SharedArrayBuffer): Views {
  return {
    buffer,
    header: new Int32Array(buffer, 0, HEADER_WORDS),
    slots: new Float64Array(buffer, HEADER_WORDS * 4, HEADER_SLOTS),
    data: new Uint8Array(buffer, HEADER_BYTES),
  };
}

export const encoder = new TextEncoder();
/** TextDecoder refuses views of shared memory in browsers: decode a copy. */
const decoder = new TextDecoder();
export function decode(data: Uint8Array, offset: number, length: number): string {
  return decoder.decode(data.slice(offset, offset + length));
}

/**
 * Host calls (state HOST, then HOST_DONE). Request, in the data region (word NAME = index of the
 * function in the start message's `hostFunctions`, word LENGTH = byte length):
 *   u32 argc, then per argument ({@link ARG_BYTES}): u8 kind (0 i64 / 1 f64), 8 bytes value, i32
 *   block length (-1: not a readable block); then the readable blocks' bytes, in argument order.
 * The worker ships every argument that reads as a kernel block, so the engine's side never has to
 * ask back for guest memory (one round trip per host call).
 * Reply (word STATUS OK or ERROR, word LENGTH): u8 kind (0 i64 / 1 f64 / 2 none), 8 bytes value,
 * u32 count of stored blocks ({@link REPLY_HEAD_BYTES} in all), per block u32 length + bytes. A
 * value in [STORED_BASE, STORED_BASE + count) names the n-th stored block: the worker stores them
 * and replaces it by the real handle.
 * ERROR: a UTF-8 message; the worker's import throws it (the guest traps, the call fails).
 */
export const STORED_BASE = 0x7fff_0000_0000_0000n;

/** Kinds of a value in a host request or reply. */
const ValueKind = { I64: 0, F64: 1, NONE: 2 } as const;
/** Bytes per argument in a request: kind, value, block length. */
const ARG_BYTES = 13;
const ARG_KIND = 0;
const ARG_VALUE = 1;
const ARG_BLOCK_LENGTH = 9;
/** Bytes before the stored blocks in a reply: kind, value, count. */
const REPLY_HEAD_BYTES = 13;
const REPLY_KIND = 0;
const REPLY_VALUE = 1;
const REPLY_COUNT = 9;

/** An argument or result of a host function as wasm passes it (i64 → bigint, f64 → number). */
export type HostValue = bigint | number;
/** A decoded host request: the arguments, and each one's block bytes where it named one. */
export interface HostRequest {
  readonly args: HostValue[];
  readonly blocks: (Uint8Array | null)[];
}
/** A decoded host reply: the value, and the blocks the worker stores first. */
export interface HostReply {
  readonly value: HostValue | undefined;
  readonly stored: Uint8Array[];
}

export function encodeHostRequest(args: readonly unknown[], read: (handle: bigint, index: number) => Uint8Array | null): Uint8Array {
  const blocks = args.map((arg, index) => (typeof arg === "bigint" ? read(arg, index) : null));
  let size = 4;
  for (const block of blocks) size += ARG_BYTES + (block?.byteLength ?? 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, args.length, true);
  let at = 4;
  args.forEach((arg, i) => {
    if (typeof arg === "bigint") {
      view.setUint8(at + ARG_KIND, ValueKind.I64);
      view.setBigInt64(at + ARG_VALUE, arg, true);
    } else {
      view.setUint8(at + ARG_KIND, ValueKind.F64);
      view.setFloat64(at + ARG_VALUE, Number(arg), true);
    }
    view.setInt32(at + ARG_BLOCK_LENGTH, blocks[i]?.byteLength ?? -1, true);
    at += ARG_BYTES;
  });
  for (const block of blocks) {
    if (block !== null) {
      out.set(block, at);
      at += block.byteLength;
    }
  }
  return out;
}

export function decodeHostRequest(data: Uint8Array, length: number): HostRequest {
  const bytes = data.slice(0, length);
  const view = new DataView(bytes.buffer);
  const argc = view.getUint32(0, true);
  const args: HostValue[] = [];
  const lengths: number[] = [];
  let at = 4;
  for (let i = 0; i < argc; i++) {
    args.push(view.getUint8(at + ARG_KIND) === ValueKind.I64 ? view.getBigInt64(at + ARG_VALUE, true) : view.getFloat64(at + ARG_VALUE, true));
    lengths.push(view.getInt32(at + ARG_BLOCK_LENGTH, true));
    at += ARG_BYTES;
  }
  const blocks = lengths.map((n) => {
    if (n < 0) return null;
    const block = bytes.subarray(at, at + n);
    at += n;
    return block;
  });
  return { args, blocks };
}

export function encodeHostReply(value: unknown, stored: readonly Uint8Array[]): Uint8Array {
  let size = REPLY_HEAD_BYTES;
  for (const block of stored) size += 4 + block.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (typeof value === "bigint") {
    view.setUint8(REPLY_KIND, ValueKind.I64);
    view.setBigInt64(REPLY_VALUE, value, true);
  } else if (typeof value === "number") {
    view.setUint8(REPLY_KIND, ValueKind.F64);
    view.setFloat64(REPLY_VALUE, value, true);
  } else view.setUint8(REPLY_KIND, ValueKind.NONE);
  view.setUint32(REPLY_COUNT, stored.length, true);
  let at = REPLY_HEAD_BYTES;
  for (const block of stored) {
    view.setUint32(at, block.byteLength, true);
    out.set(block, at + 4);
    at += 4 + block.byteLength;
  }
  return out;
}

export function decodeHostReply(data: Uint8Array, length: number): HostReply {
  const bytes = data.slice(0, length);
  const view = new DataView(bytes.buffer);
  const kind = view.getUint8(REPLY_KIND);
  const value = kind === ValueKind.I64 ? view.getBigInt64(REPLY_VALUE, true) : kind === ValueKind.F64 ? view.getFloat64(REPLY_VALUE, true) : undefined;
  const count = view.getUint32(REPLY_COUNT, true);
  const stored: Uint8Array[] = [];
  let at = REPLY_HEAD_BYTES;
  for (let i = 0; i < count; i++) {
    const n = view.getUint32(at, true);
    stored.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return { value, stored };
}

/** A message to publish: see {@link publish}. */
export interface Message {
  readonly state: State;
  /** Word NAME. */
  readonly name: number;
  readonly status: Status;
  /** Concatenated into the data region. */
  readonly parts: readonly Uint8Array[];
  /** Writes more of the header (words and slots) into the buffer the message goes into. */
  readonly header?: ((views: Views) => void) | undefined;
}

/**
 * Writes a message (the concatenated `parts`; word LENGTH = the byte length after the first part
 * when there are several, else the whole length) and hands the buffer over with its state. A
 * message too big for the buffer goes into a new, bigger one: `post` sends it to the other
 * side, then the old buffer says MOVED. Returns the views to use from now on.
 */
export function publish(current: Views, message: Message, post: (buffer: SharedArrayBuffer) => void): Views {
  const { parts } = message;
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const target = total > capacityOf(current.buffer) ? viewsOf(bufferFor(total)) : current;
  let at = 0;
  for (const part of parts) {
    target.data.set(part, at);
    at += part.byteLength;
  }
  const first = parts[0];
  target.header[Word.NAME] = message.name;
  target.header[Word.STATUS] = message.status;
  target.header[Word.LENGTH] = parts.length > 1 && first !== undefined ? total - first.byteLength : total;
  message.header?.(target);
  Atomics.store(target.header, Word.STATE, message.state);
  if (target !== current) {
    post(target.buffer);
    Atomics.store(current.header, Word.STATE, State.MOVED);
  }
  Atomics.notify(current.header, Word.STATE);
  return target;
}

/**
 * Adaptive busy-polling before sleeping: spinning pays when the other thread answers within it
 * (idle cores), and costs dearly when both threads share a core (a loaded machine). The budget
 * starts at `max` µs, halves after every wait the spin did not cover, goes back to `max` after
 * one it did, and from 0 probes `max` again every 64 waits.
 */
export class SpinBudget {
  readonly max: number;
  #budget: number;
  #idle = 0;
  constructor(max: number) {
    this.max = max;
    this.#budget = max;
  }
  /** µs to spin for the next wait. */
  next(): number {
    if (this.#budget === 0 && this.max > 0 && ++this.#idle % 64 === 0) return this.max;
    return this.#budget;
  }
  hit(): void {
    this.#budget = this.max;
  }
  miss(): void {
    this.#budget = this.#budget >= 2 ? this.#budget / 2 : 0;
  }
}
