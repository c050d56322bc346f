import type { ExtismHostFunction } from "@threadspace/host";
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

function liveTime(clock: number): WasiValue {
  if (clock < 0 || clock >= CLOCKS) return { errno: ERRNO_INVAL };
  const ms = clock === 0 ? performance.timeOrigin + performance.now() : performance.now();
  return { errno: 0, value: BigInt(Math.round(ms * 1000)) * 1000n };
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
 * is at hand: inline, and inside a bridge or pool worker. Before {@link bind} (while the instance
 * starts) they answer ENOSYS: the memory is not known yet.
 */
export class WasiValues {
  #memory: WebAssembly.Memory | undefined;
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

  #store(ptr: number, length: number, write: (view: DataView) => void): number {
    const memory = this.#memory;
    if (memory === undefined) return ERRNO_NOSYS;
    if (ptr < 0 || ptr + length > memory.buffer.byteLength) return ERRNO_FAULT;
    write(new DataView(memory.buffer));
    return 0;
  }

  /** The three functions, wasm-callable (i64 arguments as bigint). */
  functions(): Record<WasiValueFunction, (...args: never[]) => number> {
    const clock = (fn: "clock_time_get" | "clock_res_get", id: number, ptr: number): number => {
      this.#charge?.(HOST_CALL_FUEL);
      if (this.#memory === undefined) return ERRNO_NOSYS;
      const read = this.#read(fn, id, () => (fn === "clock_res_get" ? (id >= 0 && id < CLOCKS ? { errno: 0, value: RESOLUTION_NS } : { errno: ERRNO_INVAL }) : liveTime(id)));
      if (read.errno !== 0 || typeof read.value !== "bigint") return read.errno === 0 ? ERRNO_INVAL : read.errno;
      const value = read.value;
      return this.#store(ptr >>> 0, 8, (view) => view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, value), true));
    };
    return {
      clock_time_get: ((id: number, _precision: bigint, ptr: number) => clock("clock_time_get", id, ptr)) as (...args: never[]) => number,
      clock_res_get: ((id: number, ptr: number) => clock("clock_res_get", id, ptr)) as (...args: never[]) => number,
      random_get: ((buf: number, length: number) => {
        const memory = this.#memory;
        if (memory === undefined) return ERRNO_NOSYS;
        const start = buf >>> 0;
        const count = length >>> 0;
        this.#charge?.(HOST_CALL_FUEL + Math.ceil(count / 8));
        if (start + count > memory.buffer.byteLength) return ERRNO_FAULT;
        const read = this.#read("random_get", count, () => liveRandom(count));
        if (read.errno !== 0 || !(read.value instanceof Uint8Array)) return read.errno === 0 ? ERRNO_INVAL : read.errno;
        // A trace's bytes are served as recorded; a length they do not fill is a read the trace does not have.
        if (read.value.byteLength !== count) return ERRNO_INVAL;
        new Uint8Array(memory.buffer, start, count).set(read.value);
        return 0;
      }) as (...args: never[]) => number,
    };
  }

  /** The functions as Extism host functions (`(callContext, ...args)`), for its `functions` option. */
  extismFunctions(): Record<string, ExtismHostFunction> {
    return Object.fromEntries(Object.entries(this.functions()).map(([name, fn]) => [name, (_context: unknown, ...args: never[]) => fn(...args)])) as unknown as Record<string, ExtismHostFunction>;
  }
}

/** True when a module imports the engine's WASI value functions (it was routed at install). */
export function importsWasiValues(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === WASI_VALUES_MODULE);
}
