/**
 * The engine's side of the shared-memory bridge: a plugin running with Extism inline inside a
 * worker of our own (bridge-worker.ts), called through one SharedArrayBuffer (protocol.ts)
 * instead of postMessage. The engine's thread never blocks: it waits with Atomics.waitAsync.
 *
 * Node (worker_threads) for now. Host functions (extism:host/user) run on this thread: the
 * worker posts a HOST request into the same buffer and blocks until we reply (one round trip).
 */
import { Worker } from "node:worker_threads";
import {
  DEFAULT_CAPACITY,
  STORED_BASE,
  SpinBudget,
  State,
  Status,
  Word,
  bufferFor,
  decode,
  decodeHostRequest,
  encodeHostReply,
  encoder,
  publish,
  viewsOf,
  type FromWorker,
  type HostValue,
  type ToWorker,
  type Views,
} from "./protocol.ts";

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
  name?: string;
  /**
   * `extism:host/user` functions, served on this thread. Each gets a context whose `read` sees
   * the blocks passed as arguments and whose `store` returns a handle the worker turns into a
   * real block. May be async (the worker waits; no JSPI needed).
   */
  functions?: Record<string, BridgeHostFunction>;
}

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
const ENTRY = new URL("./bridge-worker.ts", import.meta.url);

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
    readonly worker: Worker,
    buffer: SharedArrayBuffer,
    private readonly options: BridgeOptions,
  ) {
    this.#views = viewsOf(buffer);
    this.#hostNames = Object.keys(options.functions ?? {});
    this.#spin = new SpinBudget(options.spinMicros ?? 0);
  }

  /** Starts a worker running `module` (compiled once on this thread; Modules are posted, not recompiled). */
  static async start(module: WebAssembly.Module, options: BridgeOptions = {}): Promise<BridgePlugin> {
    if (waitAsync === undefined) throw new BridgeError("start", "Atomics.waitAsync is missing on this runtime");
    const name = options.name ?? "threadspace bridge plugin";
    // Run from source (tests, tsx) the entry is TypeScript: Node 20 does not pass the parent's
    // loader hooks to workers, and `execArgv: ["--import", "tsx"]` does not cover a worker's
    // entry, so a tiny bootstrap registers tsx's ESM hooks first and then imports the entry.
    const worker = ENTRY.pathname.endsWith(".ts")
      ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`, { eval: true, name })
      : new Worker(ENTRY, { name });
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
    worker.on("message", (message: FromWorker) => bridge.#message(message));
    worker.on("error", (error) => bridge.#die(new BridgeError("closed", `the plugin's worker failed: ${error.message}`)));
    worker.on("exit", (code) => bridge.#die(new BridgeError("closed", `the plugin's worker exited (code ${code})`)));
    const start: ToWorker = { type: "start", module, buffer, useWasi: options.useWasi ?? false, config: options.config ?? {}, spinMicros: options.workerSpinMicros ?? 0, hostFunctions: bridge.#hostNames };
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
    else {
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
    this.#views = publish(this.#views, State.CALL, nameBytes.byteLength, Status.OK, [nameBytes, input], this.#postBuffer);

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
    return bytes;
  }

  readonly #postBuffer = (buffer: SharedArrayBuffer): void => this.worker.postMessage({ type: "buffer", buffer } satisfies ToWorker);

  /** Serves the worker's host call on this thread (async functions awaited: the worker just waits), then replies. */
  async #serveHost(hostContext: unknown, deadline: number, name: string): Promise<void> {
    const { header, data } = this.#views;
    const fnName = this.#hostNames[header[Word.NAME] as number] as string;
    const fn = (this.options.functions ?? {})[fnName] as BridgeHostFunction;
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
    this.#views = publish(this.#views, State.HOST_DONE, 0, status, [reply], this.#postBuffer);
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
