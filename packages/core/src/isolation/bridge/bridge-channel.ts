/**
 * The engine's side of one bridge worker's shared buffer: sends a call to one of the worker's
 * instances (word INSTANCE), serves its host calls on this thread, follows buffer moves, and
 * wakes a waiting call when the worker dies. One call at a time: its owner (a `BridgeInstance`
 * of one plugin, or a pool worker's queue) makes sure of that.
 *
 * The engine's thread never blocks: it waits with Atomics.waitAsync (after an optional spin).
 */
import { ThreadspaceError } from "@threadspace/errors";
import { deadlineError, fuelExhaustedError, growRefusedError } from "../../fuel/meter-errors.ts";
import { GuestErrorKind, guestError } from "../extism-errors.ts";
import type { CallOptions, CallOutcome } from "../instance.ts";
import { adoptReport, varsOrder, type CallVars, type VarsReport } from "../../replay/call-vars.ts";
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import {
  CONFIG_FUNCTION,
  LOG_FUNCTION,
  VAR_FUNCTION,
  WASI_OUTPUT_FUNCTION,
  LOG_PRIORITY,
  STORED_BASE,
  Slot,
  SpinBudget,
  State,
  Status,
  Word,
  capacityOf,
  decode,
  decodeHostRequest,
  encodeHostReply,
  encoder,
  publish,
  viewsOf,
  type FromWorker,
  type HostValue,
  type LogPriorityName,
  type ToWorker,
  type Views,
} from "./protocol.ts";

/**
 * What Extism's kernel reads, served from this thread: the plugin's live config (sent to the
 * worker again when `configVersion()` changes, checked at each call), its live log level, and
 * where its kernel log lines (`log_info`, ..., AssemblyScript aborts) go.
 */
export interface BridgeKernel {
  readonly config: Readonly<Record<string, string>>;
  configVersion(): number;
  logLevel(): LogPriorityName;
  log(level: Exclude<LogPriorityName, "silent">, text: string): void;
  /** Where lines the plugin writes to WASI stdout/stderr go, when the engine serves its WASI in the worker with output on. */
  wasiOutput?(stream: "stdout" | "stderr", line: string): void;
}

/** What a bridged host function gets as its context (the part of Extism's CallContext Threadspace uses). */
export interface BridgeCallContext {
  read(handle: bigint | number): { bytes(): Uint8Array; text(): string } | null;
  store(value: string | Uint8Array): bigint;
  hostContext<T = unknown>(): T;
  /** The call's deadline (ms, `performance.now()` clock; `Infinity`: none): a host function that waits counts against it. */
  readonly deadline?: number;
}
/**
 * A host function served over the bridge: the context, then the guest's arguments (Threadspace's
 * own functions take one i64 handle; an embedder's may take more, i32/f64 ones as numbers).
 */
export type BridgeHostFunction = (context: BridgeCallContext, handle: bigint, ...rest: any[]) => unknown;

/** One plugin instantiated in a bridge worker, as the channel calls it. */
export interface BridgeGuest {
  /** Its instance id in the worker (word INSTANCE). */
  readonly id: number;
  /** The plugin's name, for errors. */
  readonly plugin: string | undefined;
  /** The host functions' names by index, as sent with its instantiation ({@link hostNamesOf}). */
  readonly hostNames: readonly string[];
  readonly functions: Readonly<Record<string, BridgeHostFunction>> | undefined;
  readonly kernel: BridgeKernel | undefined;
  /** The guest memory cap in pages, named in `memory_limit` errors. */
  readonly memoryCap: number | undefined;
  /** The guest's memory in pages after its last call (the channel writes it). */
  pages: number;
}

/** The host-function names a guest is instantiated with: its functions, then the kernel's reserved ones. */
export function hostNamesOf(functions: Readonly<Record<string, unknown>> | undefined, kernel: BridgeKernel | undefined): string[] {
  return [...Object.keys(functions ?? {}), ...(kernel === undefined ? [] : [CONFIG_FUNCTION, LOG_FUNCTION, VAR_FUNCTION]), ...(kernel?.wasiOutput === undefined ? [] : [WASI_OUTPUT_FUNCTION])];
}

type LogLevelName = Exclude<LogPriorityName, "silent">;
const LEVELS: readonly LogLevelName[] = ["trace", "debug", "info", "warn", "error"];
export const LEVEL_OF_PRIORITY: ReadonlyMap<number, LogLevelName> = new Map<number, LogLevelName>(LEVELS.map((name) => [LOG_PRIORITY[name], name]));

/** Passes a kernel log line (or a WASI output line) posted outside a call to the guest's log, at its live level. */
export function logOutsideCall(kernel: BridgeKernel | undefined, priority: number, text: string, wasi?: "stdout" | "stderr"): void {
  if (wasi !== undefined) return kernel?.wasiOutput?.(wasi, text);
  const level = LEVEL_OF_PRIORITY.get(priority);
  if (kernel !== undefined && level !== undefined && priority >= LOG_PRIORITY[kernel.logLevel()]) kernel.log(level, text);
}

const blockOf = (bytes: Uint8Array) => ({ bytes: () => bytes, text: () => new TextDecoder().decode(bytes) });

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
/** `Atomics.waitAsync` (ES2024; Node 16+, Chromium; not Firefox yet). */
function hasWaitAsync(atomics: typeof Atomics): atomics is typeof Atomics & { waitAsync: WaitAsync } {
  return "waitAsync" in atomics && typeof atomics.waitAsync === "function";
}
const waitAsync: WaitAsync | undefined = hasWaitAsync(Atomics) ? Atomics.waitAsync : undefined;

/** True where the bridge can run (it waits with `Atomics.waitAsync`). */
export const canBridge = (): boolean => waitAsync !== undefined;

const TIMED_OUT = Symbol("timed out");
const asHandle = (value: HostValue | undefined): bigint => (typeof value === "bigint" ? value : BigInt(Math.trunc(value ?? 0)));

/** How a call on the channel is bounded in time. */
export interface ChannelTiming {
  /**
   * `terminate`: past `timeoutMs` the worker is terminated and the call rejects with `timeout`
   * (an unsupervised bridge instance). `host`: only an async host function still running at the
   * call's deadline is cut short (the guest gets an error and the call fails with `timeout`),
   * so a pool worker is never terminated here: its supervisor times the call.
   */
  readonly mode: "terminate" | "host";
  readonly timeoutMs?: number | undefined;
}

/** The shared buffer of one bridge worker, from the engine's side. */
export class BridgeChannel {
  readonly worker: BridgeWorker;
  #views: Views;
  #dead: ThreadspaceError | undefined;
  #moved: SharedArrayBuffer[] = [];
  #onMoved: (() => void) | undefined;
  readonly #names = new Map<string, Uint8Array>();
  readonly #spin: SpinBudget;
  /** The first typed error a host function threw during the current call: the call fails with it. */
  #hostError: ThreadspaceError | undefined;
  /** The vars of the call in flight when it is recorded or replayed (replay/call-vars.ts). */
  #vars: CallVars | undefined = undefined;
  /** What the worker posts besides buffer moves (ready, failed, disposed, log). */
  onMessage: (message: Exclude<FromWorker, { type: "buffer" }>) => void = () => undefined;

  constructor(worker: BridgeWorker, buffer: SharedArrayBuffer, spinMicros: number) {
    this.worker = worker;
    this.#views = viewsOf(buffer);
    this.#spin = new SpinBudget(spinMicros);
    worker.onMessage((message) => {
      if (message.type !== "buffer") this.onMessage(message);
      else {
        this.#moved.push(message.buffer);
        this.#onMoved?.();
      }
    });
  }

  /** Why the channel is unusable (the worker is gone), or undefined while it serves. */
  get dead(): ThreadspaceError | undefined {
    return this.#dead;
  }

  /** The worker is gone (or stopped): fail what waits, now and later, with `error`. */
  die(error: ThreadspaceError): void {
    if (this.#dead !== undefined) return;
    this.#dead = error;
    // Wakes a call waiting in Atomics.waitAsync (notify wakes async waiters of this thread too).
    Atomics.notify(this.#views.header, Word.STATE);
    this.#onMoved?.();
  }

  /**
   * Tells an idle pool worker to read its message queue (state YIELD): `message` (an
   * `instantiate` or `dispose`) is posted first. The worker answers with a message of its own.
   */
  yieldTo(message: ToWorker): void {
    this.worker.postMessage(message);
    const { header } = this.#views;
    Atomics.store(header, Word.STATE, State.YIELD);
    Atomics.notify(header, Word.STATE);
  }

  /**
   * Terminates the worker (call `die` first), waking it first if it sleeps in Atomics.wait (state
   * YIELD: it returns to its event loop). Chromium does not free the address space of a worker
   * terminated while blocked in Atomics.wait: its wasm memories stay reserved, and after about 125
   * of them no thread of the page can instantiate wasm again (Chromium 156; the pool contract's
   * "closing engines frees their pool workers" case fails without the wake-up).
   */
  terminate(): Promise<void> {
    const { header } = this.#views;
    Atomics.store(header, Word.STATE, State.YIELD);
    Atomics.notify(header, Word.STATE);
    return this.worker.terminate();
  }

  /** Calls an export of `guest`; one call at a time on a channel. */
  async call(guest: BridgeGuest, name: string, input: Uint8Array, options: CallOptions | undefined, timing: ChannelTiming): Promise<CallOutcome> {
    this.#hostError = undefined;
    const vars = options?.vars;
    this.#vars = vars;
    let nameBytes = this.#names.get(name);
    if (nameBytes === undefined) this.#names.set(name, (nameBytes = encoder.encode(name)));
    const kernel = guest.kernel;
    const fuel = options?.fuel ?? Number.NaN;
    const timeLeft = options?.deadline !== undefined ? options.deadline - performance.now() : (options?.timeoutMs ?? Number.NaN);
    const writeHeader = (target: Views): void => {
      if (kernel !== undefined) {
        target.header[Word.LOG_LEVEL] = LOG_PRIORITY[kernel.logLevel()];
        target.header[Word.CONFIG_VERSION] = kernel.configVersion();
      }
      target.header[Word.INSTANCE] = guest.id;
      target.header[Word.VARS] = vars === undefined ? 0 : 1;
      target.slots[Slot.FUEL_BUDGET] = fuel;
      target.slots[Slot.TIME_LEFT_MS] = timeLeft;
    };
    this.#views = publish(this.#views, { state: State.CALL, name: nameBytes.byteLength, status: Status.OK, parts: [nameBytes, input], header: writeHeader }, this.#postBuffer);

    const tx = options?.tx;
    const terminating = timing.mode === "terminate" && timing.timeoutMs !== undefined;
    // The deadline this side enforces: the worker's whole call (terminate), or async host functions only (host).
    const deadline = terminating ? performance.now() + (timing.timeoutMs as number) : Infinity;
    const hostDeadline = timing.mode === "host" && !Number.isNaN(timeLeft) ? performance.now() + timeLeft : deadline;
    const expire = terminating ? () => this.#terminate(guest, name, timing.timeoutMs) : () => Promise.reject(this.#dead ?? new ThreadspaceError("timeout", `${name} ran past its deadline.`, { plugin: guest.plugin }));
    const spin = this.#spin;
    let micros = spin.next();
    let spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
    let slept = false;
    let hostExpired = false;
    for (;;) {
      if (this.#dead !== undefined) throw this.#dead;
      const { header } = this.#views;
      const state = Atomics.load(header, Word.STATE);
      if (state === State.DONE || state === State.HOST) {
        if (micros > 0) slept ? spin.miss() : spin.hit();
        micros = 0;
      }
      if (state === State.DONE) break;
      if (state === State.MOVED) {
        await this.#adoptMoved(deadline, expire);
        continue;
      }
      if (state === State.HOST) {
        hostExpired = (await this.#serveHost(guest, tx, deadline, hostDeadline, expire)) || hostExpired;
        micros = spin.next();
        spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
        slept = false;
        continue;
      }
      if (spinUntil > 0 && performance.now() < spinUntil) continue;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await expire();
      slept = true;
      const wait = (waitAsync as WaitAsync)(header, Word.STATE, state, remaining === Infinity ? undefined : remaining);
      if (wait.async && (await wait.value) === "timed-out" && Atomics.load(header, Word.STATE) === state) await expire();
    }
    const { header, slots, data } = this.#views;
    const status = header[Word.STATUS];
    const length = header[Word.LENGTH] ?? 0;
    const used = slots[Slot.FUEL_USED] ?? Number.NaN;
    const kind = header[Word.ERROR_KIND] ?? 0;
    const refused = slots[Slot.GROW_REFUSED_PAGES] ?? Number.NaN;
    const bytes = status === Status.NO_OUTPUT ? null : data.slice(0, length);
    guest.pages = header[Word.PAGES] ?? 0;
    Atomics.store(header, Word.STATE, State.IDLE);
    if (hostExpired && status === Status.ERROR) throw deadlineError(guest.plugin ?? "(bridge)", name, options?.timeoutMs);
    if (status === Status.ERROR) throw this.#callError(guest, name, kind as GuestErrorKind, decode(bytes ?? new Uint8Array(0), 0, length), refused, options);
    return { output: bytes, fuelUsed: Number.isNaN(used) ? undefined : used };
  }

  /** The typed error of a failed call; the worker's meter stops are told with the caller's budget and timeout. */
  #callError(guest: BridgeGuest, name: string, kind: GuestErrorKind, message: string, refusedPages: number, options: CallOptions | undefined): ThreadspaceError {
    const plugin = guest.plugin ?? "(bridge)";
    if (this.#hostError !== undefined && kind === GuestErrorKind.TRAP) return this.#hostError;
    if (kind === GuestErrorKind.FUEL_EXHAUSTED && options?.fuel !== undefined) return fuelExhaustedError(plugin, name, options.fuel, options.fuelSource);
    if (kind === GuestErrorKind.DEADLINE) return deadlineError(plugin, name, options?.timeoutMs);
    const error = guestError({ kind, message }, plugin, name);
    if (error.code === "plugin_trap" && !Number.isNaN(refusedPages)) return growRefusedError(plugin, name, { pages: refusedPages, at: guest.pages, cap: guest.memoryCap }, error.message);
    return error;
  }

  readonly #postBuffer = (buffer: SharedArrayBuffer): void => this.worker.postMessage({ type: "buffer", buffer } satisfies ToWorker);

  /** Serves the worker kernel's own requests: the config (as JSON) and a log line. */
  #serveKernel(kernel: BridgeKernel, fnName: string, context: BridgeCallContext, first: HostValue | undefined): unknown {
    if (fnName === CONFIG_FUNCTION) return context.store(JSON.stringify(kernel.config));
    const priority = Number(first);
    const level = LEVEL_OF_PRIORITY.get(priority);
    const text = context.read(asHandle(first))?.text();
    if (level !== undefined && text !== undefined && priority >= LOG_PRIORITY[kernel.logLevel()]) kernel.log(level, text);
    return undefined;
  }

  /**
   * Serves the worker's {@link VAR_FUNCTION} for a recorded or replayed call: `{"order":true}`
   * answers what to do with its vars (serve the trace's, or record the reads), `{"reads":...}`
   * hands back what a recorded call's var reads found.
   */
  #serveVars(context: BridgeCallContext, first: HostValue | undefined): unknown {
    const vars = this.#vars;
    const text = context.read(asHandle(first))?.text();
    if (vars === undefined || text === undefined) throw new Error("no recorded or replayed call's vars are served now");
    const message = JSON.parse(text) as { order?: true } & VarsReport;
    if (message.order === true) return context.store(JSON.stringify(varsOrder(vars)));
    adoptReport(vars, message);
    return undefined;
  }

  /** The function the worker asked for by index (word NAME). */
  #hostFunction(guest: BridgeGuest, index: number): { name: string; serve: (context: BridgeCallContext, args: readonly HostValue[]) => unknown } {
    const name = guest.hostNames[index] ?? `#${index}`;
    const kernel = guest.kernel;
    if (name === VAR_FUNCTION) return { name, serve: (context, args) => this.#serveVars(context, args[0]) };
    if (kernel !== undefined && (name === CONFIG_FUNCTION || name === LOG_FUNCTION)) return { name, serve: (context, args) => this.#serveKernel(kernel, name, context, args[0]) };
    if (name === WASI_OUTPUT_FUNCTION) {
      return { name, serve: (context, args) => void kernel?.wasiOutput?.(Number(args[0]) === 2 ? "stderr" : "stdout", context.read(asHandle(args[0]))?.text() ?? "") };
    }
    const fn = guest.functions?.[name];
    if (fn === undefined) {
      return {
        name,
        serve: () => {
          throw new Error(`no host function ${name} is served here`);
        },
      };
    }
    // Arguments as they came (a handle is an i64, a bigint); none: a 0 handle.
    return { name, serve: (context, args) => (args.length === 0 ? fn(context, 0n) : (fn as (context: BridgeCallContext, ...rest: HostValue[]) => unknown)(context, ...args)) };
  }

  /**
   * Serves the worker's host call on this thread (async functions awaited: the worker just
   * waits), then replies. True when an async function was cut short at `hostDeadline`.
   */
  async #serveHost(guest: BridgeGuest, hostContext: unknown, deadline: number, hostDeadline: number, expire: () => Promise<never>): Promise<boolean> {
    const { header, data } = this.#views;
    const fn = this.#hostFunction(guest, header[Word.NAME] ?? -1);
    const { args, blocks } = decodeHostRequest(data, header[Word.LENGTH] ?? 0);
    const stored: Uint8Array[] = [];
    const context: BridgeCallContext = {
      read(handle) {
        const wanted = BigInt(handle);
        if (wanted >= STORED_BASE && wanted < STORED_BASE + BigInt(stored.length)) {
          const block = stored[Number(wanted - STORED_BASE)];
          return block === undefined ? null : blockOf(block);
        }
        const i = args.indexOf(wanted);
        const block = i < 0 ? null : blocks[i];
        return block === null || block === undefined ? null : blockOf(block);
      },
      store(value) {
        stored.push(typeof value === "string" ? encoder.encode(value) : value);
        return STORED_BASE + BigInt(stored.length - 1);
      },
      // The transaction of the call (or whatever its caller passed): host functions name their type.
      hostContext: <T>(): T => hostContext as T,
      deadline: Math.min(deadline, hostDeadline),
    };
    let status: Status = Status.OK;
    let reply: Uint8Array;
    let expired = false;
    try {
      let value = fn.serve(context, args);
      if (value instanceof Promise) {
        // The call's deadline still holds while an async host function runs.
        const until = Math.min(deadline, hostDeadline);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = until === Infinity ? undefined : new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), until - performance.now())));
        value = await (late === undefined ? value : Promise.race([value, late]));
        clearTimeout(timer);
        if (value === TIMED_OUT) {
          if (performance.now() >= deadline) await expire();
          expired = true;
          throw new Error("the call's deadline passed while the host served it");
        }
      }
      reply = encodeHostReply(value, stored);
    } catch (error) {
      status = Status.ERROR;
      // The engine's own error (a refused HTTP request, a limit) is what the call fails with.
      if (error instanceof ThreadspaceError) this.#hostError ??= error;
      reply = encoder.encode(`${fn.name} failed on the host: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.#dead !== undefined) throw this.#dead; // terminated while an async host function ran
    if (reply.byteLength > capacityOf(this.#views.buffer)) await this.#askForRoom(reply.byteLength, deadline, expire);
    this.#views = publish(this.#views, { state: State.HOST_DONE, name: 0, status, parts: [reply] }, this.#postBuffer);
    return expired;
  }

  /**
   * A host reply bigger than the buffer: the worker (blocked in Atomics.wait, so it cannot receive
   * a buffer) is told the size (NEED), allocates a buffer that big, posts it and says MOVED.
   */
  async #askForRoom(bytes: number, deadline: number, expire: () => Promise<never>): Promise<void> {
    const { header } = this.#views;
    header[Word.LENGTH] = bytes;
    header[Word.STATUS] = Status.NEED;
    Atomics.store(header, Word.STATE, State.HOST_DONE);
    Atomics.notify(header, Word.STATE);
    for (;;) {
      if (this.#dead !== undefined) throw this.#dead;
      if (Atomics.load(header, Word.STATE) === State.MOVED) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await expire();
      const wait = (waitAsync as WaitAsync)(header, Word.STATE, State.HOST_DONE, remaining === Infinity ? undefined : remaining);
      if (wait.async) await wait.value;
    }
    await this.#adoptMoved(deadline, expire);
  }

  /** The worker moved to a bigger buffer: take it from the message queue. */
  async #adoptMoved(deadline: number, expire: () => Promise<never>): Promise<void> {
    while (this.#moved.length === 0) {
      if (this.#dead !== undefined) throw this.#dead;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await expire();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onMoved = resolve;
        if (remaining !== Infinity) timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
      this.#onMoved = undefined;
    }
    const next = this.#moved.shift();
    if (next !== undefined) this.#views = viewsOf(next);
  }

  /** An unsupervised call ran past `timeoutMs`: the worker is terminated behind the rejection. */
  async #terminate(guest: BridgeGuest, name: string, timeoutMs: number | undefined): Promise<never> {
    const error = new ThreadspaceError("timeout", `${name} ran longer than ${timeoutMs} ms, so its worker was terminated.`, { plugin: guest.plugin });
    this.die(error);
    this.onTerminate();
    // Reject at once; the termination (a few ms) finishes behind the rejection.
    void this.terminate();
    throw error;
  }

  /** Told before the channel terminates its worker itself (a call past `timeoutMs`). */
  onTerminate: () => void = () => undefined;
}
