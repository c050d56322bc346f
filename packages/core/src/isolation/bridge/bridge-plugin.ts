/**
 * The engine's side of the shared-memory bridge: a plugin running with Extism inline inside a
 * worker of our own (bridge-worker.ts), called through one SharedArrayBuffer (protocol.ts)
 * instead of postMessage. The engine's thread never blocks: it waits with Atomics.waitAsync.
 *
 * Node (worker_threads) and browsers (module Web Workers; the page must be crossOriginIsolated).
 * Host functions (extism:host/user) run on this thread: the worker posts a HOST request into the
 * same buffer and blocks until we reply (one round trip).
 */
import { spawnBridgeWorker } from "#bridge-spawn";
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import { decodeKernelLimit, type HostMemoryLimits } from "../../limits/host-memory.js";
import { hostMemoryLimits } from "../../limits/host-memory-limits.ts";
import {
  CONFIG_FUNCTION,
  DEFAULT_CAPACITY,
  LOG_FUNCTION,
  LOG_PRIORITY,
  STORED_BASE,
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
  type ToWorker,
  type Views,
} from "./protocol.js";

export type BridgeErrorKind = "plugin" | "timeout" | "closed" | "start" | "busy";

/** A failed bridge call: `plugin` = the guest trapped or set an error (Extism's message), `timeout` = the worker was terminated. */
export class BridgeError extends Error {
  constructor(
    readonly kind: BridgeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "BridgeError";
  }
}

export interface BridgeOptions {
  /** A call running longer rejects with kind `timeout` and terminates the worker (the bridge is closed after). */
  timeoutMs?: number;
  config?: Record<string, string>;
  useWasi?: boolean;
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
  /** The kernel caps the worker's Extism enforces (limits/host-memory.js); default: derived from the default memoryPages. */
  hostMemory?: HostMemoryLimits;
  name?: string;
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

const LEVEL_OF_PRIORITY = Object.fromEntries(Object.entries(LOG_PRIORITY).map(([name, priority]) => [priority, name])) as Record<number, Exclude<LogPriorityName, "silent">>;

/** What a bridged host function gets as its context (the subset of Extism's CallContext Threadspace uses). */
export interface BridgeCallContext {
  read(handle: bigint): { bytes(): Uint8Array; text(): string } | null;
  store(value: string | Uint8Array): bigint;
  hostContext<T>(): T;
}
export type BridgeHostFunction = (context: BridgeCallContext, ...args: HostValue[]) => unknown;

const blockOf = (bytes: Uint8Array) => ({ bytes: () => bytes, text: () => new TextDecoder().decode(bytes) });

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

const TIMED_OUT = Symbol("timed out");

export class BridgePlugin {
  #views: Views;
  #busy = false;
  #dead: BridgeError | undefined;
  #moved: SharedArrayBuffer[] = [];
  #onMoved: (() => void) | undefined;
  readonly #names = new Map<string, Uint8Array>();
  readonly #hostNames: string[];
  readonly #spin: SpinBudget;

  private constructor(
    readonly worker: BridgeWorker,
    buffer: SharedArrayBuffer,
    private readonly options: BridgeOptions,
  ) {
    this.#views = viewsOf(buffer);
    this.#hostNames = [...Object.keys(options.functions ?? {}), ...(options.kernel === undefined ? [] : [CONFIG_FUNCTION, LOG_FUNCTION])];
    this.#spin = new SpinBudget(options.spinMicros ?? 0);
  }

  /** Starts a worker running `module` (compiled once on this thread; Modules are posted, not recompiled). */
  static async start(module: WebAssembly.Module, options: BridgeOptions = {}): Promise<BridgePlugin> {
    if (waitAsync === undefined) throw new BridgeError("start", 'Atomics.waitAsync is missing on this runtime, which the shared-memory bridge needs; use createEngine({ isolation: { transport: "extism" } }) here (the default picks it by itself)');
    const worker = spawnBridgeWorker(options.name ?? "threadspace bridge plugin");
    const buffer = bufferFor(options.capacity ?? DEFAULT_CAPACITY);
    const bridge = new BridgePlugin(worker, buffer, options);
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BridgeError("start", "the worker did not start in time")), options.startTimeoutMs ?? 10_000);
      bridge.#onStart = (error) => {
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    worker.onMessage((message) => bridge.#message(message));
    worker.onError((error) => bridge.#die(new BridgeError("closed", `the plugin's worker failed: ${error.message}`)));
    worker.onExit((why) => bridge.#die(new BridgeError("closed", `the plugin's worker ${why}`)));
    const config = { ...(options.kernel?.config ?? options.config ?? {}) };
    const configVersion = options.kernel?.configVersion() ?? 0;
    const start: ToWorker = { type: "start", module, buffer, useWasi: options.useWasi ?? false, config, configVersion, spinMicros: options.workerSpinMicros ?? 0, hostFunctions: bridge.#hostNames, hostMemory: options.hostMemory ?? hostMemoryLimits(undefined) };
    worker.postMessage(start);
    try {
      await started;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return bridge;
  }

  #onStart: ((error?: BridgeError) => void) | undefined;

  #message(message: FromWorker): void {
    if (message.type === "ready") this.#onStart?.();
    else if (message.type === "failed") this.#onStart?.(new BridgeError("start", `could not instantiate the plugin: ${message.message}`));
    else if (message.type === "log") {
      const kernel = this.options.kernel;
      const level = LEVEL_OF_PRIORITY[message.priority];
      if (kernel !== undefined && level !== undefined && message.priority >= LOG_PRIORITY[kernel.logLevel()]) kernel.log(level, message.text);
    } else {
      this.#moved.push(message.buffer);
      this.#onMoved?.();
    }
  }

  #die(error: BridgeError): void {
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
    return this.#views.header[Word.PAGES] as number;
  }

  /**
   * Calls an export; resolves with its output (null when it set none). One call at a time.
   * `hostContext` is what host functions get from `context.hostContext()` during this call.
   */
  async call(name: string, input: Uint8Array | string = new Uint8Array(0), hostContext?: unknown): Promise<Uint8Array | null> {
    if (this.#dead !== undefined) throw this.#dead;
    if (this.#busy) throw new BridgeError("busy", "plugin is not reentrant: one call at a time");
    this.#busy = true;
    try {
      return await this.#call(name, typeof input === "string" ? encoder.encode(input) : input, hostContext);
    } finally {
      this.#busy = false;
    }
  }

  async #call(name: string, input: Uint8Array, hostContext: unknown): Promise<Uint8Array | null> {
    let nameBytes = this.#names.get(name);
    if (nameBytes === undefined) this.#names.set(name, (nameBytes = encoder.encode(name)));
    const kernel = this.options.kernel;
    const words = kernel === undefined ? undefined : (header: Int32Array) => {
      header[Word.LOG_LEVEL] = LOG_PRIORITY[kernel.logLevel()];
      header[Word.CONFIG_VERSION] = kernel.configVersion();
    };
    this.#views = publish(this.#views, State.CALL, nameBytes.byteLength, Status.OK, [nameBytes, input], this.#postBuffer, words);

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
        await this.#serveHost(hostContext, deadline, name);
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
    const { header, data } = this.#views;
    const status = header[Word.STATUS];
    const length = header[Word.LENGTH] as number;
    const bytes = status === Status.NO_OUTPUT ? null : data.slice(0, length);
    Atomics.store(header, Word.STATE, State.IDLE);
    if (status === Status.ERROR) throw new BridgeError("plugin", decode(bytes as Uint8Array, 0, length));
    if (status === Status.KERNEL_LIMIT) throw decodeKernelLimit(decode(bytes as Uint8Array, 0, length));
    return bytes;
  }

  readonly #postBuffer = (buffer: SharedArrayBuffer): void => this.worker.postMessage({ type: "buffer", buffer } satisfies ToWorker);

  /** Serves the worker kernel's own requests: the config (as JSON) and a log line. */
  #serveKernel(fnName: string, context: BridgeCallContext, args: HostValue[]): unknown {
    const kernel = this.options.kernel as BridgeKernel;
    if (fnName === CONFIG_FUNCTION) return context.store(JSON.stringify(kernel.config));
    const priority = Number(args[0]);
    const level = LEVEL_OF_PRIORITY[priority];
    const text = context.read(args[0] as bigint)?.text();
    if (level !== undefined && text !== undefined && priority >= LOG_PRIORITY[kernel.logLevel()]) kernel.log(level, text);
    return undefined;
  }

  /** Serves the worker's host call on this thread (async functions awaited: the worker just waits), then replies. */
  async #serveHost(hostContext: unknown, deadline: number, name: string): Promise<void> {
    const { header, data } = this.#views;
    const fnName = this.#hostNames[header[Word.NAME] as number] as string;
    const fn: BridgeHostFunction = fnName === CONFIG_FUNCTION || fnName === LOG_FUNCTION ? (context, ...args) => this.#serveKernel(fnName, context, args) : ((this.options.functions ?? {})[fnName] as BridgeHostFunction);
    const { args, blocks } = decodeHostRequest(data, header[Word.LENGTH] as number);
    const stored: Uint8Array[] = [];
    const context: BridgeCallContext = {
      read(handle) {
        if (handle >= STORED_BASE && handle < STORED_BASE + BigInt(stored.length)) return blockOf(stored[Number(handle - STORED_BASE)] as Uint8Array);
        const i = args.indexOf(handle);
        const block = i < 0 ? null : blocks[i];
        return block === null || block === undefined ? null : blockOf(block);
      },
      store(value) {
        stored.push(typeof value === "string" ? encoder.encode(value) : value);
        return STORED_BASE + BigInt(stored.length - 1);
      },
      hostContext: <T>() => hostContext as T,
    };
    let status: number = Status.OK;
    let reply: Uint8Array;
    try {
      let value = fn(context, ...args);
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
      reply = encoder.encode(`${fnName} failed on the host: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.#dead !== undefined) throw this.#dead; // timed out while an async host function ran
    if (reply.byteLength > capacityOf(this.#views.buffer)) await this.#askForRoom(reply.byteLength, deadline, name);
    this.#views = publish(this.#views, State.HOST_DONE, 0, status, [reply], this.#postBuffer);
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
    this.#views = viewsOf(this.#moved.shift() as SharedArrayBuffer);
  }

  async #timeout(name: string): Promise<never> {
    const error = new BridgeError("timeout", `${name} ran longer than ${this.options.timeoutMs} ms: its worker was terminated`);
    this.#die(error);
    // Reject at once; the termination (a few ms) finishes behind the rejection.
    void this.worker.terminate();
    throw error;
  }

  /** Stops the worker; calls after this reject with kind `closed`. */
  async close(): Promise<void> {
    this.#die(new BridgeError("closed", "the plugin was closed"));
    await this.worker.terminate();
  }
}
