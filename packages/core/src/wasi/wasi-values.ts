import type { ExtismStyleHostFunction } from "../host-functions/any-name-functions.ts";
import type { CallWasi, WasiValue, WasiValueFunction } from "../replay/wasi-reads.ts";
import { WASI_VALUES_MODULE } from "./wasi-values-rewrite.ts";
import { HOST_CALL_FUEL } from "../fuel/fuel-meter.ts";

export { WASI_VALUES_MODULE };

const ERRNO_FAULT = 21;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;
/** Clock ids of WASI preview 1: realtime, monotonic, process and thread CPU time. */
const CLOCKS = 4;
/** Resolution the clocks are read at (1 µs: what `performance.now()` gives at best). */
const RESOLUTION_NS = 1000n;
/** `crypto.getRandomValues` fills at most this many bytes at a time. */
const RANDOM_CHUNK = 65536;

/** The live clock's time or resolution in ns (realtime for clock 0, else monotonic), or -1 for an unknown clock. */
function liveClock(fn: "clock_time_get" | "clock_res_get", clock: number): bigint {
  if (clock < 0 || clock >= CLOCKS) return -1n;
  if (fn === "clock_res_get") return RESOLUTION_NS;
  const ms = clock === 0 ? performance.timeOrigin + performance.now() : performance.now();
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

function liveRandom(length: number): WasiValue {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += RANDOM_CHUNK) crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + RANDOM_CHUNK)));
  return { errno: 0, value: bytes };
}

/**
 * The engine's own `clock_time_get`, `clock_res_get` and `random_get` for one instance, imported
 * from {@link WASI_VALUES_MODULE} (the install rewrite moves them there: wasi-values-rewrite.ts).
 * A call that is recorded or replayed reads them through its {@link CallWasi}; any other call reads
 * the live clock (µs resolution) and `crypto.getRandomValues`. Works wherever the instance's memory
 * is at hand: inline, and inside a bridge or pool worker. Before {@link bind} they answer ENOSYS (the
 * memory is not known yet): only a wasm `start` function runs that early, since the install rewrite
 * defers `_initialize` until after it.
 */
export class WasiValues {
  #memory: WebAssembly.Memory | undefined;
  #dataView: DataView | undefined;
  #call: CallWasi | undefined;
  readonly #current: (() => CallWasi | undefined) | undefined;
  readonly #charge: ((fuel: number) => void) | undefined;

  /**
   * `current`: where the running call's {@link CallWasi} is (a worker's per-call state); without
   * it, {@link beginCall} sets it. `charge`: the instance's fuel meter, charged
   * {@link HOST_CALL_FUEL} per call and one unit per 8 random bytes (so a loop of large reads
   * reaches the meter's deadline and budget checks, as a host call does).
   */
  constructor(current?: () => CallWasi | undefined, charge?: (fuel: number) => void) {
    this.#current = current;
    this.#charge = charge;
  }

  /** Binds the functions to the instance's memory. */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
  }

  /** A call starts: its recorded or replayed reads (undefined: live). */
  beginCall(vars?: { readonly wasi?: CallWasi | undefined }): void {
    this.#call = vars?.wasi;
  }

  #read(fn: WasiValueFunction, arg: number, live: () => WasiValue): WasiValue {
    const call = this.#current === undefined ? this.#call : this.#current();
    return call === undefined ? live() : call.read(fn, arg, live);
  }

  /** A view of the memory, made again only when the memory grew (its buffer changed). */
  #view(): DataView | undefined {
    const memory = this.#memory;
    if (memory === undefined) return undefined;
    if (this.#dataView?.buffer !== memory.buffer) this.#dataView = new DataView(memory.buffer);
    return this.#dataView;
  }

  /** Writes a u64 at `ptr`: 0, or EFAULT out of bounds. */
  #storeU64(view: DataView, ptr: number, value: bigint): number {
    if (ptr + 8 > view.byteLength) return ERRNO_FAULT;
    view.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return 0;
  }

  #clock(fn: "clock_time_get" | "clock_res_get", id: number, ptr: number): number {
    this.#charge?.(HOST_CALL_FUEL);
    const view = this.#view();
    if (view === undefined) return ERRNO_NOSYS;
    const call = this.#current === undefined ? this.#call : this.#current();
    if (call === undefined) {
      // Unrecorded: no objects, one BigInt.
      const ns = liveClock(fn, id);
      return ns < 0n ? ERRNO_INVAL : this.#storeU64(view, ptr >>> 0, ns);
    }
    const read = call.read(fn, id, () => {
      const ns = liveClock(fn, id);
      return ns < 0n ? { errno: ERRNO_INVAL } : { errno: 0, value: ns };
    });
    if (read.errno !== 0 || typeof read.value !== "bigint") return read.errno === 0 ? ERRNO_INVAL : read.errno;
    return this.#storeU64(view, ptr >>> 0, read.value);
  }

  #random(buf: number, length: number): number {
    const start = buf >>> 0;
    const count = length >>> 0;
    this.#charge?.(HOST_CALL_FUEL + Math.ceil(count / 8));
    const memory = this.#memory;
    if (memory === undefined) return ERRNO_NOSYS;
    if (start + count > memory.buffer.byteLength) return ERRNO_FAULT;
    const read = this.#read("random_get", count, () => liveRandom(count));
    if (read.errno !== 0 || !(read.value instanceof Uint8Array)) return read.errno === 0 ? ERRNO_INVAL : read.errno;
    // A trace's bytes are served as recorded; a length they do not fill is a read the trace does not have.
    if (read.value.byteLength !== count) return ERRNO_INVAL;
    new Uint8Array(memory.buffer, start, count).set(read.value);
    return 0;
  }

  /** The three functions, wasm-callable (i64 arguments as bigint). */
  functions(): Record<WasiValueFunction, (...args: never[]) => number> {
    return {
      clock_time_get: ((id: number, _precision: bigint, ptr: number) => this.#clock("clock_time_get", id, ptr)) as (...args: never[]) => number,
      clock_res_get: ((id: number, ptr: number) => this.#clock("clock_res_get", id, ptr)) as (...args: never[]) => number,
      random_get: ((buf: number, length: number) => this.#random(buf, length)) as (...args: never[]) => number,
    };
  }

  /** The functions as Extism host functions (`(callContext, ...args)`), for its `functions` option. */
  extismFunctions(): Record<WasiValueFunction, ExtismStyleHostFunction> {
    return {
      clock_time_get: (_context: unknown, id: number, _precision: bigint, ptr: number) => this.#clock("clock_time_get", id, ptr),
      clock_res_get: (_context: unknown, id: number, ptr: number) => this.#clock("clock_res_get", id, ptr),
      random_get: (_context: unknown, buf: number, length: number) => this.#random(buf, length),
    };
  }
}

/** True when a module imports the engine's WASI value functions (it was routed at install). */
export function importsWasiValues(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === WASI_VALUES_MODULE);
}
