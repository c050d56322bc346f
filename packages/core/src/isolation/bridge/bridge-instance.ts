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
import type { CallOptions, CallOutcome, WorkerInstance } from "../instance.ts";
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import { BridgeChannel, canBridge, hostNamesOf, logOutsideCall, type BridgeGuest, type BridgeHostFunction, type BridgeKernel, type ChannelTiming } from "./bridge-channel.ts";
import { DEFAULT_CAPACITY, bufferFor, encoder, type FromWorker, type StartMessage, type WorkerWasiSpec } from "./protocol.ts";

export type { BridgeCallContext, BridgeHostFunction, BridgeKernel } from "./bridge-channel.ts";

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
  /**
   * `extism:host/user` functions, served on this thread. Each gets a context whose `read` sees
   * the blocks passed as arguments and whose `store` returns a handle the worker turns into a
   * real block. May be async (the worker waits; no JSPI needed).
   */
  functions?: Record<string, BridgeHostFunction>;
  /** Modules linked with the main one, by the name it imports them under (plugin.json `modules`). */
  linked?: Readonly<Record<string, WebAssembly.Module>>;
  /** The engine's own WASI, served in the worker (Node): output lines and read-only mounts (wasi/plugin-wasi.ts). */
  wasi?: WorkerWasiSpec;
  /**
   * What Extism's kernel reads, served from this thread: the plugin's live config (sent to the
   * worker again when `configVersion()` changes, checked at each call), its live log level, and
   * where its kernel log lines (`log_info`, ..., AssemblyScript aborts) go. Without it the worker
   * keeps `config` from the start and drops kernel logs.
   */
  kernel?: BridgeKernel;
}

/**
 * A plugin instance in a bridge worker of its own: an {@link Instance} the engine drives (usually
 * through a `WorkerSupervisor`, which times calls and restarts the worker).
 */
export class BridgeInstance implements WorkerInstance {
  readonly #channel: BridgeChannel;
  readonly #guest: BridgeGuest;
  readonly #timing: ChannelTiming;
  #busy = false;
  /** True once close() or terminate() was asked for: the worker's end is then not reported as an exit. */
  #stopping = false;
  readonly #exits: Array<(why: string) => void> = [];
  #onStart: ((error?: ThreadspaceError) => void) | undefined;

  private constructor(
    readonly worker: BridgeWorker,
    buffer: SharedArrayBuffer,
    private readonly options: BridgeOptions,
  ) {
    this.#channel = new BridgeChannel(worker, buffer, options.spinMicros ?? 0);
    this.#guest = { id: 0, plugin: options.plugin, hostNames: hostNamesOf(options.functions, options.kernel), functions: options.functions, kernel: options.kernel, memoryCap: options.memoryCap, pages: 0 };
    this.#timing = { mode: "terminate", timeoutMs: options.timeoutMs };
    this.#channel.onTerminate = () => {
      this.#stopping = true;
    };
  }

  #error(code: ThreadspaceErrorCode, message: string): ThreadspaceError {
    return new ThreadspaceError(code, message, { plugin: this.options.plugin });
  }

  /**
   * Starts a worker running `module` (compiled once on this thread; Modules are posted, not
   * recompiled). Rejects with `wasm_invalid` when an import cannot be resolved, `init_failed`
   * for any other failure to start.
   */
  static async start(module: WebAssembly.Module, options: BridgeOptions = {}): Promise<BridgeInstance> {
    const plugin = options.plugin;
    if (!canBridge()) throw new ThreadspaceError("init_failed", 'could not start its worker: Atomics.waitAsync is missing on this runtime, which the shared-memory bridge needs; use createEngine({ isolation: { transport: "extism" } }) here (the default picks it by itself).', { plugin });
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
    bridge.#channel.onMessage = (message) => bridge.#message(message);
    worker.onError((error) => bridge.#ended(`failed (${error.message})`));
    worker.onExit((why) => bridge.#ended(why));
    const config = { ...(options.kernel?.config ?? options.config ?? {}) };
    const configVersion = options.kernel?.configVersion() ?? 0;
    const start: StartMessage = { type: "start", module, buffer, useWasi: options.useWasi ?? false, config, configVersion, spinMicros: options.workerSpinMicros ?? 0, hostFunctions: bridge.#guest.hostNames, hostMemory: options.hostMemory ?? hostMemoryLimits(undefined), ...(options.linked === undefined ? {} : { linked: options.linked }), ...(options.wasi === undefined ? {} : { wasi: options.wasi }) };
    worker.postMessage(start);
    try {
      await started;
    } catch (error) {
      bridge.#stopping = true;
      await bridge.#channel.terminate();
      throw error;
    }
    return bridge;
  }

  #message(message: Exclude<FromWorker, { type: "buffer" }>): void {
    if (message.type === "ready") this.#onStart?.();
    else if (message.type === "failed") this.#onStart?.(this.#error(message.kind === "link" ? "wasm_invalid" : "init_failed", `could not be instantiated in a worker: ${message.message}`));
    else if (message.type === "log") logOutsideCall(this.options.kernel, message.priority, message.text, message.wasi);
  }

  /** The worker is gone: fail what waits, and tell the exit listeners unless we stopped it. */
  #ended(why: string): void {
    const stopped = this.#stopping;
    this.#die(this.#error("plugin_unavailable", `its worker ${why}.`));
    if (stopped) return;
    for (const listener of this.#exits.splice(0)) listener(why);
  }

  #die(error: ThreadspaceError): void {
    if (this.#channel.dead !== undefined) return;
    this.#onStart?.(error);
    this.#channel.die(error);
  }

  get closed(): boolean {
    return this.#channel.dead !== undefined;
  }

  /** The guest's memory in 64 KiB pages after the last call (0 before any). */
  get memoryPages(): number {
    return this.#guest.pages;
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
    const dead = this.#channel.dead;
    if (dead !== undefined) throw dead;
    if (this.#busy) throw this.#error("busy", `${name} was called while another call ran: an instance is not reentrant, one call at a time.`);
    this.#busy = true;
    try {
      return await this.#channel.call(this.#guest, name, typeof input === "string" ? encoder.encode(input) : input, options, this.#timing);
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the worker at once (not reported as an exit); calls after it reject with `plugin_unavailable`. */
  terminate(): void {
    this.#stopping = true;
    this.#die(this.#error("plugin_unavailable", "was closed."));
    void this.#channel.terminate();
  }

  /** Stops the worker; calls after this reject with `plugin_unavailable`. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#die(this.#error("plugin_unavailable", "was closed."));
    await this.#channel.terminate();
  }
}
