/**
 * The engine's side of the shared-memory bridge: a plugin running with Extism inline inside a
 * worker of our own (bridge-worker.ts), called through one SharedArrayBuffer (protocol.ts)
 * instead of postMessage. The engine's thread never blocks: it waits with Atomics.waitAsync.
 *
 * Node (worker_threads) and browsers (module Web Workers; the page must be crossOriginIsolated).
 * Host functions (extism:host/user) run on this thread: the worker posts a HOST request into the
 * same buffer and blocks until we reply (one round trip).
 */
import type { HostMemoryLimits } from "../../limits/host-memory.ts";
import { hostMemoryLimits } from "../../limits/host-memory-limits.ts";
import { spawnBridgeWorker } from "#bridge-spawn";
import { ThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { GuestErrorKind, guestError } from "../extism-errors.ts";
import { deadlineError, fuelExhaustedError, growRefusedError } from "../../fuel/meter-errors.ts";
import type { CallOptions, CallOutcome, WorkerInstance } from "../instance.ts";
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import {
  CONFIG_FUNCTION,
  DEFAULT_CAPACITY,
  LOG_FUNCTION,
  LOG_PRIORITY,
  STORED_BASE,
  Slot,
  SpinBudget,
  State,
  Status,
  Word,
  bufferFor,
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
  type StartMessage,
  type ToWorker,
  type Views,
} from "./protocol.ts";

export interface BridgeOptions {
  /** The plugin's name, for errors (`[plugin name]`) and the worker's name. */
  plugin?: string;
  /** A call running longer rejects with `timeout` and terminates the worker (the instance is closed after). Supervised instances leave timing to the supervisor. */
  timeoutMs?: number;
  config?: Record<string, string>;
  useWasi?: boolean;
  /** The guest memory cap written into the module, in pages (named in `memory_limit` errors). */
  memoryCap?: number;
  /** The kernel caps the worker's Extism enforces (limits/host-memory.ts); default: derived from the default memoryPages. */
  hostMemory?: HostMemoryLimits;
  /** Initial data-region size in bytes (grows on demand). */
  capacity?: number;
  /**
   * Busy-poll the state word this long (µs) before falling back to Atomics.waitAsync. Waking the
   * engine's event loop from a worker costs ~50 µs here (as much as a postMessage); a call that
   * answers within the spin costs ~1 µs of crossing. 0 = never spend the engine's thread.
   * Adaptive (SpinBudget): halves after each wait the spin did not cover, so a loaded machine
   * (both threads on one core) soon stops spinning; back to the maximum after a covered wait.
   */
  spinMicros?: number;
  /** The worker busy-polls up to this long (µs, adaptive too) for the next message before sleeping in Atomics.wait. */
  workerSpinMicros?: number;
  /** Longest the worker may take to start and instantiate. */
  startTimeoutMs?: number;
  /** Modules linked with the main one, by the name it imports them under (plugin.json `modules`). */
  linked?: Readonly<Record<string, WebAssembly.Module>>;
  /**
   * `extism:host/user` functions, served on this thread. Each gets a context whose `read` sees
   * the blocks passed as arguments and whose `store` returns a handle the worker turns into a
   * real block. May be async (the worker waits; no JSPI needed).
   */
  functions?: Record<string, BridgeHostFunction>;
  /**
   * What Extism's kernel reads, served from this thread: the plugin's live config (sent to the
   * worker again when `configVersion()` changes, checked at each call), its live log level, and
   * where its kernel log lines (`log_info`, ..., AssemblyScript aborts) go. Without it the worker
   * keeps `config` from the start and drops kernel logs.
   */
  kernel?: BridgeKernel;
}

/** See {@link BridgeOptions.kernel}. */
export interface BridgeKernel {
  readonly config: Readonly<Record<string, string>>;
  configVersion(): number;
  logLevel(): LogPriorityName;
  log(level: Exclude<LogPriorityName, "silent">, text: string): void;
}

type LogLevelName = Exclude<LogPriorityName, "silent">;
const LEVELS: readonly LogLevelName[] = ["trace", "debug", "info", "warn", "error"];
const LEVEL_OF_PRIORITY = new Map<number, LogLevelName>(LEVELS.map((name) => [LOG_PRIORITY[name], name]));

/** What a bridged host function gets as its context (the part of Extism's CallContext Threadspace uses). */
export interface BridgeCallContext {
  read(handle: bigint | number): { bytes(): Uint8Array; text(): string } | null;
  store(value: string | Uint8Array): bigint;
  hostContext<T = unknown>(): T;
  /** The call's deadline (ms, `performance.now()` clock; `Infinity`: none): a host function that waits counts against it. */
  readonly deadline?: number;
}
/**
 * A host function served over the bridge: the context, then the guest's arguments (the first as
 * a handle: every Threadspace host function takes one; an embedder's function may take more).
 */
export type BridgeHostFunction = (context: BridgeCallContext, handle: bigint, ...rest: any[]) => unknown;

const blockOf = (bytes: Uint8Array) => ({ bytes: () => bytes, text: () => new TextDecoder().decode(bytes) });

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
/** `Atomics.waitAsync` (ES2024; Node 16+, Chromium; not Firefox yet). */
function hasWaitAsync(atomics: typeof Atomics): atomics is typeof Atomics & { waitAsync: WaitAsync } {
  return "waitAsync" in atomics && typeof atomics.waitAsync === "function";
}
const waitAsync: WaitAsync | undefined = hasWaitAsync(Atomics) ? Atomics.waitAsync : undefined;

const TIMED_OUT = Symbol("timed out");
const asHandle = (value: HostValue | undefined): bigint => (typeof value === "bigint" ? value : BigInt(Math.trunc(value ?? 0)));

/**
 * A plugin instance in a bridge worker of its own: an {@link Instance} the engine drives (usually
 * through a `WorkerSupervisor`, which times calls and restarts the worker).
 */
export class BridgeInstance implements WorkerInstance {
  #views: Views;
  #busy = false;
  #dead: ThreadspaceError | undefined;
  /** True once close() or terminate() was asked for: the worker's end is then not reported as an exit. */
  #stopping = false;
  #moved: SharedArrayBuffer[] = [];
  #onMoved: (() => void) | undefined;
  readonly #exits: Array<(why: string) => void> = [];
  readonly #names = new Map<string, Uint8Array>();
  readonly #hostNames: string[];
  readonly #spin: SpinBudget;
  readonly #plugin: string | undefined;
  /** The first typed error a host function threw during the current call: the call fails with it. */
  #hostError: ThreadspaceError | undefined;

  private constructor(
    readonly worker: BridgeWorker,
    buffer: SharedArrayBuffer,
    private readonly options: BridgeOptions,
  ) {
    this.#views = viewsOf(buffer);
    this.#plugin = options.plugin;
    this.#hostNames = [...Object.keys(options.functions ?? {}), ...(options.kernel === undefined ? [] : [CONFIG_FUNCTION, LOG_FUNCTION])];
    this.#spin = new SpinBudget(options.spinMicros ?? 0);
  }

  #error(code: ThreadspaceErrorCode, message: string): ThreadspaceError {
    return new ThreadspaceError(code, message, { plugin: this.#plugin });
  }

  /**
   * Starts a worker running `module` (compiled once on this thread; Modules are posted, not
   * recompiled). Rejects with `wasm_invalid` when an import cannot be resolved, `init_failed`
   * for any other failure to start.
   */
  static async start(module: WebAssembly.Module, options: BridgeOptions = {}): Promise<BridgeInstance> {
    const plugin = options.plugin;
    if (waitAsync === undefined) throw new ThreadspaceError("init_failed", 'could not start its worker: Atomics.waitAsync is missing on this runtime, which the shared-memory bridge needs; use createEngine({ isolation: { transport: "extism" } }) here (the default picks it by itself).', { plugin });
    const worker = spawnBridgeWorker(plugin === undefined ? "threadspace bridge plugin" : `threadspace plugin ${plugin}`);
    const buffer = bufferFor(options.capacity ?? DEFAULT_CAPACITY);
    const bridge = new BridgeInstance(worker, buffer, options);
    const startTimeoutMs = options.startTimeoutMs ?? 10_000;
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ThreadspaceError("init_failed", `could not be instantiated in a worker: the worker did not start within ${startTimeoutMs} ms (a start function that never returns?).`, { plugin })), startTimeoutMs);
      bridge.#onStart = (error) => {
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    worker.onMessage((message) => bridge.#message(message));
    worker.onError((error) => bridge.#ended(`failed (${error.message})`));
    worker.onExit((why) => bridge.#ended(why));
    const config = { ...(options.kernel?.config ?? options.config ?? {}) };
    const configVersion = options.kernel?.configVersion() ?? 0;
    const start: StartMessage = { type: "start", module, buffer, useWasi: options.useWasi ?? false, config, configVersion, spinMicros: options.workerSpinMicros ?? 0, hostFunctions: bridge.#hostNames, hostMemory: options.hostMemory ?? hostMemoryLimits(undefined), ...(options.linked === undefined ? {} : { linked: options.linked }) };
    worker.postMessage(start);
    try {
      await started;
    } catch (error) {
      bridge.#stopping = true;
      await worker.terminate();
      throw error;
    }
    return bridge;
  }

  #onStart: ((error?: ThreadspaceError) => void) | undefined;

  #message(message: FromWorker): void {
    if (message.type === "ready") this.#onStart?.();
    else if (message.type === "failed") this.#onStart?.(this.#error(message.kind === "link" ? "wasm_invalid" : "init_failed", `could not be instantiated in a worker: ${message.message}`));
    else if (message.type === "log") {
      const kernel = this.options.kernel;
      const level = LEVEL_OF_PRIORITY.get(message.priority);
      if (kernel !== undefined && level !== undefined && message.priority >= LOG_PRIORITY[kernel.logLevel()]) kernel.log(level, message.text);
    } else {
      this.#moved.push(message.buffer);
      this.#onMoved?.();
    }
  }

  /** The worker is gone: fail what waits, and tell the exit listeners unless we stopped it. */
  #ended(why: string): void {
    const stopped = this.#stopping;
    this.#die(this.#error("plugin_unavailable", `its worker ${why}.`));
    if (stopped) return;
    for (const listener of this.#exits.splice(0)) listener(why);
  }

  #die(error: ThreadspaceError): void {
    if (this.#dead !== undefined) return;
    this.#dead = error;
    this.#onStart?.(error);
    // Wakes a call waiting in Atomics.waitAsync (notify wakes async waiters of this thread too).
    Atomics.notify(this.#views.header, Word.STATE);
    this.#onMoved?.();
  }

  get closed(): boolean {
    return this.#dead !== undefined;
  }

  /** The guest's memory in 64 KiB pages after the last call (0 before any). */
  get memoryPages(): number {
    return this.#views.header[Word.PAGES] ?? 0;
  }

  onExit(listener: (why: string) => void): void {
    this.#exits.push(listener);
  }

  /**
   * Calls an export; resolves with its output (null when it set none) and the fuel it used. One
   * call at a time: a second call in flight is refused with `busy`. `options.tx` is what host
   * functions get from `context.hostContext()` during this call.
   */
  async call(name: string, input: Uint8Array | string = new Uint8Array(0), options?: CallOptions): Promise<CallOutcome> {
    if (this.#dead !== undefined) throw this.#dead;
    if (this.#busy) throw this.#error("busy", `${name} was called while another call ran: an instance is not reentrant, one call at a time.`);
    this.#busy = true;
    this.#hostError = undefined;
    try {
      return await this.#call(name, typeof input === "string" ? encoder.encode(input) : input, options);
    } finally {
      this.#busy = false;
    }
  }

  async #call(name: string, input: Uint8Array, options: CallOptions | undefined): Promise<CallOutcome> {
    let nameBytes = this.#names.get(name);
    if (nameBytes === undefined) this.#names.set(name, (nameBytes = encoder.encode(name)));
    const kernel = this.options.kernel;
    const fuel = options?.fuel ?? Number.NaN;
    const timeLeft = options?.deadline !== undefined ? options.deadline - performance.now() : (options?.timeoutMs ?? Number.NaN);
    /** The call's own deadline on this thread's clock, for host functions that wait (HTTP). */
    const callDeadline = Number.isNaN(timeLeft) ? Infinity : performance.now() + timeLeft;
    const writeHeader = (target: Views): void => {
      if (kernel !== undefined) {
        target.header[Word.LOG_LEVEL] = LOG_PRIORITY[kernel.logLevel()];
        target.header[Word.CONFIG_VERSION] = kernel.configVersion();
      }
      target.slots[Slot.FUEL_BUDGET] = fuel;
      target.slots[Slot.TIME_LEFT_MS] = timeLeft;
    };
    this.#views = publish(this.#views, { state: State.CALL, name: nameBytes.byteLength, status: Status.OK, parts: [nameBytes, input], header: writeHeader }, this.#postBuffer);

    const tx = options?.tx;
    const timeoutMs = this.options.timeoutMs;
    const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    const spin = this.#spin;
    let micros = spin.next();
    let spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
    let slept = false;
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
        await this.#adoptMoved(deadline, name);
        continue;
      }
      if (state === State.HOST) {
        await this.#serveHost(tx, deadline, name, callDeadline);
        micros = spin.next();
        spinUntil = micros > 0 ? performance.now() + micros / 1000 : 0;
        slept = false;
        continue;
      }
      if (spinUntil > 0 && performance.now() < spinUntil) continue;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await this.#timeout(name);
      slept = true;
      const wait = (waitAsync as WaitAsync)(header, Word.STATE, state, remaining === Infinity ? undefined : remaining);
      if (wait.async && (await wait.value) === "timed-out" && Atomics.load(header, Word.STATE) === state) await this.#timeout(name);
    }
    const { header, slots, data } = this.#views;
    const status = header[Word.STATUS];
    const length = header[Word.LENGTH] ?? 0;
    const used = slots[Slot.FUEL_USED] ?? Number.NaN;
    const kind = header[Word.ERROR_KIND] ?? 0;
    const refused = slots[Slot.GROW_REFUSED_PAGES] ?? Number.NaN;
    const bytes = status === Status.NO_OUTPUT ? null : data.slice(0, length);
    Atomics.store(header, Word.STATE, State.IDLE);
    if (status === Status.ERROR) throw this.#callError(name, kind as GuestErrorKind, decode(bytes ?? new Uint8Array(0), 0, length), refused, options);
    return { output: bytes, fuelUsed: Number.isNaN(used) ? undefined : used };
  }

  /** The typed error of a failed call; the worker's meter stops are told with the caller's budget and timeout. */
  #callError(name: string, kind: GuestErrorKind, message: string, refusedPages: number, options: CallOptions | undefined): ThreadspaceError {
    const plugin = this.#plugin ?? "(bridge)";
    if (this.#hostError !== undefined && kind === GuestErrorKind.TRAP) return this.#hostError;
    if (kind === GuestErrorKind.FUEL_EXHAUSTED && options?.fuel !== undefined) return fuelExhaustedError(plugin, name, options.fuel, options.fuelSource);
    if (kind === GuestErrorKind.DEADLINE) return deadlineError(plugin, name, options?.timeoutMs);
    const error = guestError({ kind, message }, plugin, name);
    if (error.code === "plugin_trap" && !Number.isNaN(refusedPages)) return growRefusedError(plugin, name, { pages: refusedPages, at: this.memoryPages, cap: this.options.memoryCap }, error.message);
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

  /** The function the worker asked for by index (word NAME). */
  #hostFunction(index: number): { name: string; serve: (context: BridgeCallContext, args: readonly HostValue[]) => unknown } {
    const name = this.#hostNames[index] ?? `#${index}`;
    const kernel = this.options.kernel;
    if (kernel !== undefined && (name === CONFIG_FUNCTION || name === LOG_FUNCTION)) return { name, serve: (context, args) => this.#serveKernel(kernel, name, context, args[0]) };
    const fn = this.options.functions?.[name];
    if (fn === undefined) {
      return {
        name,
        serve: () => {
          throw new Error(`no host function ${name} is served here`);
        },
      };
    }
    // Threadspace's functions take one i64 handle (a bigint); an embedder's may take i32/f64 numbers too: passed as they came.
    return { name, serve: (context, args) => (args.length === 0 ? fn(context, 0n) : (fn as (context: BridgeCallContext, ...rest: HostValue[]) => unknown)(context, ...args)) };
  }

  /** Serves the worker's host call on this thread (async functions awaited: the worker just waits), then replies. */
  async #serveHost(hostContext: unknown, deadline: number, name: string, callDeadline = Infinity): Promise<void> {
    const { header, data } = this.#views;
    const fn = this.#hostFunction(header[Word.NAME] ?? -1);
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
      deadline: callDeadline,
    };
    let status: Status = Status.OK;
    let reply: Uint8Array;
    try {
      let value = fn.serve(context, args);
      if (value instanceof Promise) {
        // The call's deadline still holds while an async host function runs.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = deadline === Infinity ? undefined : new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), deadline - performance.now())));
        value = await (expired === undefined ? value : Promise.race([value, expired]));
        clearTimeout(timer);
        if (value === TIMED_OUT) await this.#timeout(name);
      }
      reply = encodeHostReply(value, stored);
    } catch (error) {
      status = Status.ERROR;
      // The engine's own error (a refused HTTP request, a limit) is what the call fails with.
      if (error instanceof ThreadspaceError) this.#hostError ??= error;
      reply = encoder.encode(`${fn.name} failed on the host: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.#dead !== undefined) throw this.#dead; // timed out while an async host function ran
    if (reply.byteLength > capacityOf(this.#views.buffer)) await this.#askForRoom(reply.byteLength, deadline, name);
    this.#views = publish(this.#views, { state: State.HOST_DONE, name: 0, status, parts: [reply] }, this.#postBuffer);
  }

  /**
   * A host reply bigger than the buffer: the worker (blocked in Atomics.wait, so it cannot receive
   * a buffer) is told the size (NEED), allocates a buffer that big, posts it and says MOVED.
   */
  async #askForRoom(bytes: number, deadline: number, name: string): Promise<void> {
    const { header } = this.#views;
    header[Word.LENGTH] = bytes;
    header[Word.STATUS] = Status.NEED;
    Atomics.store(header, Word.STATE, State.HOST_DONE);
    Atomics.notify(header, Word.STATE);
    for (;;) {
      if (this.#dead !== undefined) throw this.#dead;
      if (Atomics.load(header, Word.STATE) === State.MOVED) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await this.#timeout(name);
      const wait = (waitAsync as WaitAsync)(header, Word.STATE, State.HOST_DONE, remaining === Infinity ? undefined : remaining);
      if (wait.async) await wait.value;
    }
    await this.#adoptMoved(deadline, name);
  }

  /** The worker moved to a bigger buffer: take it from the message queue. */
  async #adoptMoved(deadline: number, name: string): Promise<void> {
    while (this.#moved.length === 0) {
      if (this.#dead !== undefined) throw this.#dead;
      const remaining = deadline - performance.now();
      if (remaining <= 0) await this.#timeout(name);
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

  async #timeout(name: string): Promise<never> {
    const error = this.#error("timeout", `${name} ran longer than ${this.options.timeoutMs} ms, so its worker was terminated.`);
    this.#die(error);
    this.#stopping = true;
    // Reject at once; the termination (a few ms) finishes behind the rejection.
    void this.worker.terminate();
    throw error;
  }

  /** Stops the worker at once (not reported as an exit); calls after it reject with `plugin_unavailable`. */
  terminate(): void {
    this.#stopping = true;
    this.#die(this.#error("plugin_unavailable", "was closed."));
    void this.worker.terminate();
  }

  /** Stops the worker; calls after this reject with `plugin_unavailable`. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#die(this.#error("plugin_unavailable", "was closed."));
    await this.worker.terminate();
  }
}
