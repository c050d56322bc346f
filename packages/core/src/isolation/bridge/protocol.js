// @ts-check
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
 *   word PAGES   response: the guest's memory size in 64 KiB pages after the call (worker)
 *   word LOG_LEVEL      request: the plugin's live log level as an Extism priority (engine)
 *   word CONFIG_VERSION request: the version of the plugin's config; the worker fetches the
 *                config (host function {@link CONFIG_FUNCTION}) when it differs from its copy
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

export const Word = /** @type {const} */ ({
  STATE: 0,
  NAME: 1,
  LENGTH: 2,
  STATUS: 3,
  PAGES: 4,
  LOG_LEVEL: 5,
  CONFIG_VERSION: 6,
});

export const State = /** @type {const} */ ({
  IDLE: 0,
  CALL: 1,
  DONE: 2,
  MOVED: 3,
  HOST: 4,
  HOST_DONE: 5,
});

export const Status = /** @type {const} */ ({
  /** Output bytes follow. */
  OK: 0,
  /** The export returned without output (plugin.call gave null). */
  NO_OUTPUT: 1,
  /** plugin.call threw: a UTF-8 message follows (traps, error_set's "Plugin-originated error"). */
  ERROR: 2,
  /**
   * Host reply only: the reply does not fit, word LENGTH says how many bytes it needs. The worker
   * (whose event loop is blocked, so it cannot receive a buffer) allocates one that big, posts it,
   * and sets MOVED; the engine writes the reply there. Works where receiveMessageOnPort does not.
   */
  NEED: 3,
  /**
   * plugin.call threw a KernelLimitError (limits/host-memory.js: host memory, vars or block
   * slots over their caps): `<code>:<message>` follows in UTF-8 (encodeKernelLimit).
   */
  KERNEL_LIMIT: 4,
});

/**
 * Reserved host-function names (the worker's kernel): {@link CONFIG_FUNCTION} answers the
 * plugin's config as JSON (no arguments); {@link LOG_FUNCTION} takes the priority as its one
 * i64 argument with the log line's UTF-8 bytes as that argument's block.
 */
export const CONFIG_FUNCTION = "#config";
export const LOG_FUNCTION = "#log";

/**
 * Messages posted between the threads (rare: start-up and buffer moves).
 * @typedef {{ type: "start"; module: WebAssembly.Module; buffer: SharedArrayBuffer; useWasi: boolean; config: Record<string, string>; configVersion: number; spinMicros: number; hostFunctions: string[]; hostMemory: import("../../limits/host-memory.js").HostMemoryLimits }
 *   | { type: "buffer"; buffer: SharedArrayBuffer }} ToWorker
 */
/**
 * `log`: a kernel log line written outside a call (instantiation, start functions).
 * @typedef {{ type: "ready" } | { type: "failed"; message: string } | { type: "buffer"; buffer: SharedArrayBuffer } | { type: "log"; priority: number; text: string }} FromWorker
 */

/** Extism's log priorities (what `get_log_level` returns); "silent" is above every level. */
export const LOG_PRIORITY = /** @type {const} */ ({ trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 2147483647 });
/** @typedef {keyof typeof LOG_PRIORITY} LogPriorityName */

export const DEFAULT_CAPACITY = 64 * 1024;

/**
 * Data-region capacity of a buffer.
 * @param {SharedArrayBuffer} buffer
 * @returns {number}
 */
export function capacityOf(buffer) {
  return buffer.byteLength - HEADER_BYTES;
}

/**
 * A buffer whose data region holds at least `bytes` (power-of-two total size).
 * @param {number} bytes
 * @returns {SharedArrayBuffer}
 */
export function bufferFor(bytes) {
  let size = 1024;
  while (size - HEADER_BYTES < bytes) size *= 2;
  return new SharedArrayBuffer(size);
}

/** Views of one buffer. @typedef {{ readonly buffer: SharedArrayBuffer; readonly header: Int32Array; readonly data: Uint8Array }} Views */

/**
 * @param {SharedArrayBuffer} buffer
 * @returns {Views}
 */
export function viewsOf(buffer) {
  return { buffer, header: new Int32Array(buffer, 0, HEADER_WORDS), data: new Uint8Array(buffer, HEADER_BYTES) };
}

/** UTF-8 encodes `text` into `data` at `offset` (caller checked room: 3 bytes per UTF-16 unit). */
export const encoder = new TextEncoder();
/** TextDecoder refuses views of shared memory in browsers: decode a copy. */
const decoder = new TextDecoder();
/**
 * @param {Uint8Array} data
 * @param {number} offset
 * @param {number} length
 * @returns {string}
 */
export function decode(data, offset, length) {
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

/** @typedef {bigint | number} HostValue */
/** @typedef {{ args: HostValue[]; blocks: (Uint8Array | null)[] }} HostRequest */

/**
 * @param {readonly unknown[]} args
 * @param {(handle: bigint, index: number) => Uint8Array | null} read
 * @returns {Uint8Array}
 */
export function encodeHostRequest(args, read) {
  const blocks = args.map((arg, index) => (typeof arg === "bigint" ? read(arg, index) : null));
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

/**
 * @param {Uint8Array} data
 * @param {number} length
 * @returns {HostRequest}
 */
export function decodeHostRequest(data, length) {
  const bytes = data.slice(0, length);
  const view = new DataView(bytes.buffer);
  const argc = view.getUint32(0, true);
  /** @type {HostValue[]} */
  const args = [];
  /** @type {number[]} */
  const lengths = [];
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

/**
 * @param {unknown} value
 * @param {readonly Uint8Array[]} stored
 * @returns {Uint8Array}
 */
export function encodeHostReply(value, stored) {
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

/**
 * @param {Uint8Array} data
 * @param {number} length
 * @returns {{ value: HostValue | undefined; stored: Uint8Array[] }}
 */
export function decodeHostReply(data, length) {
  const bytes = data.slice(0, length);
  const view = new DataView(bytes.buffer);
  const kind = view.getUint8(0);
  const value = kind === 0 ? view.getBigInt64(1, true) : kind === 1 ? view.getFloat64(1, true) : undefined;
  const count = view.getUint32(9, true);
  /** @type {Uint8Array[]} */
  const stored = [];
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
 * LENGTH = the byte length after the first part when `name` is set, else the whole length, and
 * whatever `words` writes into the header) and
 * hands the buffer over with `state`. A message too big for the buffer goes into a new, bigger
 * one: `post` sends it to the other side, then the old buffer says MOVED. Returns the views to
 * use from now on.
 * @param {Views} current
 * @param {number} state
 * @param {number} name
 * @param {number} status
 * @param {readonly Uint8Array[]} parts
 * @param {(buffer: SharedArrayBuffer) => void} post
 * @param {(header: Int32Array) => void} [words]
 * @returns {Views}
 */
export function publish(current, state, name, status, parts, post, words) {
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
  target.header[Word.LENGTH] = parts.length > 1 ? total - /** @type {Uint8Array} */ (parts[0]).byteLength : total;
  words?.(target.header);
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
  #budget;
  #idle = 0;
  /** @param {number} max */
  constructor(max) {
    /** @readonly */
    this.max = max;
    this.#budget = max;
  }
  /**
   * µs to spin for the next wait.
   * @returns {number}
   */
  next() {
    if (this.#budget === 0 && this.max > 0 && ++this.#idle % 64 === 0) return this.max;
    return this.#budget;
  }
  hit() {
    this.#budget = this.max;
  }
  miss() {
    this.#budget = this.#budget >= 2 ? this.#budget / 2 : 0;
  }
}
