/**
 * The shared-memory call protocol between the engine's thread and a bridge worker (one
 * SharedArrayBuffer per worker, used by both directions, one message in flight at a time).
 *
 * Layout: a header of {@link HEADER_WORDS} Int32 words, then the data region.
 *
 *   word STATE   who owns the buffer and what it holds (the only word waited on / notified)
 *   word NAME    request: byte length of the export name at the start of the data region
 *   word LENGTH  request: input byte length (after the name); response: output / error byte length
 *   word STATUS  response: {@link Status}
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
 * Reserved for host calls (worker → engine → worker while a call is in flight): HOST (the worker
 * wrote a host-call request and blocks in Atomics.wait) and HOST_DONE (the engine wrote the reply).
 */
export const HEADER_WORDS = 8;
export const HEADER_BYTES = HEADER_WORDS * 4;

export const Word = {
  STATE: 0,
  NAME: 1,
  LENGTH: 2,
  STATUS: 3,
} as const;

export const State = {
  IDLE: 0,
  CALL: 1,
  DONE: 2,
  MOVED: 3,
  HOST: 4,
  HOST_DONE: 5,
} as const;

export const Status = {
  /** Output bytes follow. */
  OK: 0,
  /** The export returned without output (plugin.call gave null). */
  NO_OUTPUT: 1,
  /** plugin.call threw: a UTF-8 message follows (traps, error_set's "Plugin-originated error"). */
  ERROR: 2,
} as const;

/** Messages posted between the threads (rare: start-up and buffer moves). */
export type ToWorker =
  | { type: "start"; module: WebAssembly.Module; buffer: SharedArrayBuffer; useWasi: boolean; config: Record<string, string>; spinMicros: number; hostFunctions: string[] }
  | { type: "buffer"; buffer: SharedArrayBuffer };
export type FromWorker = { type: "ready" } | { type: "failed"; message: string } | { type: "buffer"; buffer: SharedArrayBuffer };

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

/** Views of one buffer. */
export interface Views {
  readonly buffer: SharedArrayBuffer;
  readonly header: Int32Array;
  readonly data: Uint8Array;
}

export function viewsOf(buffer: SharedArrayBuffer): Views {
  return { buffer, header: new Int32Array(buffer, 0, HEADER_WORDS), data: new Uint8Array(buffer, HEADER_BYTES) };
}

/** UTF-8 encodes `text` into `data` at `offset` (caller checked room: 3 bytes per UTF-16 unit). */
export const encoder = new TextEncoder();
/** TextDecoder refuses views of shared memory in browsers: decode a copy. */
const decoder = new TextDecoder();
export function decode(data: Uint8Array, offset: number, length: number): string {
  return decoder.decode(data.slice(offset, offset + length));
}

/**
 * Host calls (state HOST, then HOST_DONE). Request, in the data region (word NAME = index of the
 * function in the start message's `hostFunctions`, word LENGTH = byte length):
 *   u32 argc, then per argument: u8 kind (0 i64 / 1 f64), 8 bytes value, i32 block length
 *   (-1: not a readable block); then the readable blocks' bytes, in argument order.
 * The worker ships every argument that reads as a kernel block, so the engine's side never has to
 * ask back for guest memory (one round trip per host call).
 * Reply (word STATUS OK or ERROR, word LENGTH): u8 kind (0 i64 / 1 f64 / 2 none), 8 bytes value,
 * u32 count of stored blocks, per block u32 length + bytes. A value in [STORED_BASE, STORED_BASE +
 * count) names the n-th stored block: the worker stores them and replaces it by the real handle.
 * ERROR: a UTF-8 message; the worker's import throws it (the guest traps, the call fails).
 */
export const STORED_BASE = 0x7fff_0000_0000_0000n;

export type HostValue = bigint | number;

export interface HostRequest {
  args: HostValue[];
  blocks: (Uint8Array | null)[];
}

export function encodeHostRequest(args: readonly unknown[], read: (handle: bigint) => Uint8Array | null): Uint8Array {
  const blocks = args.map((arg) => (typeof arg === "bigint" ? read(arg) : null));
  let size = 4;
  for (const block of blocks) size += 13 + (block?.byteLength ?? 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, args.length, true);
  let at = 4;
  args.forEach((arg, i) => {
    if (typeof arg === "bigint") {
      view.setUint8(at, 0);
      view.setBigInt64(at + 1, arg, true);
    } else {
      view.setUint8(at, 1);
      view.setFloat64(at + 1, Number(arg), true);
    }
    view.setInt32(at + 9, blocks[i]?.byteLength ?? -1, true);
    at += 13;
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
    args.push(view.getUint8(at) === 0 ? view.getBigInt64(at + 1, true) : view.getFloat64(at + 1, true));
    lengths.push(view.getInt32(at + 9, true));
    at += 13;
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
  let size = 13;
  for (const block of stored) size += 4 + block.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (typeof value === "bigint") {
    view.setUint8(0, 0);
    view.setBigInt64(1, value, true);
  } else if (typeof value === "number") {
    view.setUint8(0, 1);
    view.setFloat64(1, value, true);
  } else view.setUint8(0, 2);
  view.setUint32(9, stored.length, true);
  let at = 13;
  for (const block of stored) {
    view.setUint32(at, block.byteLength, true);
    out.set(block, at + 4);
    at += 4 + block.byteLength;
  }
  return out;
}

export function decodeHostReply(data: Uint8Array, length: number): { value: HostValue | undefined; stored: Uint8Array[] } {
  const bytes = data.slice(0, length);
  const view = new DataView(bytes.buffer);
  const kind = view.getUint8(0);
  const value = kind === 0 ? view.getBigInt64(1, true) : kind === 1 ? view.getFloat64(1, true) : undefined;
  const count = view.getUint32(9, true);
  const stored: Uint8Array[] = [];
  let at = 13;
  for (let i = 0; i < count; i++) {
    const n = view.getUint32(at, true);
    stored.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return { value, stored };
}

/**
 * Writes a message (the concatenated `parts`, word NAME = `name`, word STATUS = `status`, word
 * LENGTH = the byte length after the first part when `name` is set, else the whole length) and
 * hands the buffer over with `state`. A message too big for the buffer goes into a new, bigger
 * one: `post` sends it to the other side, then the old buffer says MOVED. Returns the views to
 * use from now on.
 */
export function publish(current: Views, state: number, name: number, status: number, parts: readonly Uint8Array[], post: (buffer: SharedArrayBuffer) => void): Views {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const target = total > capacityOf(current.buffer) ? viewsOf(bufferFor(total)) : current;
  let at = 0;
  for (const part of parts) {
    target.data.set(part, at);
    at += part.byteLength;
  }
  target.header[Word.NAME] = name;
  target.header[Word.STATUS] = status;
  target.header[Word.LENGTH] = parts.length > 1 ? total - (parts[0] as Uint8Array).byteLength : total;
  Atomics.store(target.header, Word.STATE, state);
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
  #budget: number;
  #idle = 0;
  constructor(readonly max: number) {
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
