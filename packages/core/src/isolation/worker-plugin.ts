import type { Plugin as ExtismPlugin, PluginOutput } from "@extism/extism";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { CallTransaction } from "@threadspace/host";
import type { RunnablePlugin } from "../calls/plugin-runner.ts";

/**
 * The part of Extism's worker-mode plugin (`BackgroundPlugin`, rc13) used here. `worker` and
 * `opts` are public fields of that class (declared in its .d.ts), not of the `Plugin` interface.
 */
export interface BackgroundExtismPlugin extends ExtismPlugin {
  /** The thread the guest runs in: a `node:worker_threads` Worker, or Extism's Web Worker wrapper (`on(type, fn)`). Null once Extism closed it. */
  worker: { on(event: string, listener: (...args: unknown[]) => void): void; terminate(): unknown } | null;
  /** Extism's options; `timeoutMs` is read on every call (we time calls ourselves, so it is cleared after start). */
  opts: { timeoutMs: number | null };
  /** Word 0 of the buffer the threads hand host-call replies over with (Atomics). */
  hostFlag?: Int32Array;
  /** Guest memory in pages after the last call, where the transport reports it (our bridge; not Extism's runInWorker). */
  readonly memoryPages?: number;
}

/** How long, after a worker is terminated, its reply buffer is poked so that no host call waits for it. */
const UNBLOCK_MS = 2000;
const UNBLOCK_EVERY_MS = 25;

/**
 * Extism serves a host call on the engine's thread and then waits (Atomics.waitAsync, polling
 * every 500 ms, with a 0 ms setInterval running meanwhile) for the worker to read the reply. A
 * worker terminated in that window never reads it, and the wait would last forever: a plugin
 * that loops over host calls is usually stopped right there. Writing a value no reader waits
 * for into the flag, and waking it, lets that host call finish into the dead buffer.
 */
function unblockHostCalls(flag: Int32Array | undefined): void {
  if (flag === undefined) return;
  let left = Math.ceil(UNBLOCK_MS / UNBLOCK_EVERY_MS);
  const poke = (): void => {
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
    if (--left <= 0) clearInterval(timer);
  };
  const timer = setInterval(poke, UNBLOCK_EVERY_MS);
  (timer as { unref?: () => void }).unref?.();
  poke();
}

/** What {@link WorkerPlugin} needs to make and start instances. */
export interface WorkerPluginOptions {
  readonly name: string;
  /** Longest a call may run (limits.timeoutMs). */
  readonly timeoutMs: number;
  /** The guest memory cap in pages, named in trap messages (worker memory cannot be read from here). */
  readonly memoryPages: number;
  /** `threadspace` plugins run `init_plugin` on every fresh instance; messages say so. */
  readonly lifecycle: boolean;
  /**
   * Calls `plugin.reset()` (frees Extism's per-call host buffers, on both sides) after this
   * many calls, before the next one, while the instance is idle. rc13's worker mode fails
   * after 16,383 calls without it, and calls slow down as freed slots pile up. Default
   * {@link DEFAULT_RESET_EVERY}.
   */
  readonly resetEvery?: number;
  /** Creates a fresh Extism plugin with `runInWorker: true` (no lifecycle calls). */
  readonly create: () => Promise<BackgroundExtismPlugin>;
  /**
   * Start the replacement worker as soon as one times out or dies (its lifecycle still runs at
   * the next call), so that a retry finds it started. Default false; the engine turns it on
   * unless workers count against a cap (an idle spare would hold a slot another plugin waits for).
   */
  readonly prewarm?: boolean;
  /**
   * Runs the lifecycle (init_plugin, get_metadata check) on a fresh instance after a restart;
   * `instance.call` is timed like any call. Throwing fails the restart.
   */
  readonly restartLifecycle: (instance: RunnablePlugin) => Promise<void>;
}

/**
 * Calls between `reset()`s. rc13 fails after 16,383 calls without one, but the real reason to
 * reset often is speed: Extism copies every freed block slot ([null, index]) between the threads
 * on every call and host call, so a call costs more the longer since the last reset (a call
 * with one `config_get` measured 1.1 ms at 1000, 0.13-0.17 ms at 8-16; bench/isolation). A reset
 * is one round trip (about 50 µs), so 16 keeps both small.
 */
export const DEFAULT_RESET_EVERY = 16;

interface Live {
  readonly plugin: BackgroundExtismPlugin;
  /** Calls since the last reset. */
  sinceReset: number;
  dead: boolean;
  /** Rejects the call in flight (crash), when one is. */
  fail: ((error: ThreadspaceError) => void) | undefined;
  /** The export in flight, for messages. */
  exportName: string;
}

/** Every live worker-isolated plugin, so that tests and debugging can crash one on purpose. */
const LIVE = new Set<WorkerPlugin>();

/**
 * Terminates the worker of every running worker-isolated plugin named `name`, as if it had
 * crashed: a call in flight fails with `plugin_trap`, the next call starts a fresh instance.
 * For tests and debugging; returns how many workers it stopped.
 */
export function crashWorkerOf(name: string): number {
  let stopped = 0;
  for (const plugin of LIVE) if (plugin.name === name && plugin.crash()) stopped++;
  return stopped;
}

/** Worker-thread errors arrive as `{ message, originalStack }` objects: make them Errors again. */
function reviveError(cause: unknown): unknown {
  if (cause instanceof Error || typeof cause !== "object" || cause === null || !("message" in cause)) return cause;
  const message = String((cause as { message: unknown }).message);
  const error = /maximum call stack size exceeded/i.test(message) ? new RangeError(message) : new Error(message);
  const stack = (cause as { originalStack?: unknown }).originalStack;
  if (typeof stack === "string") error.stack = stack;
  return error;
}

/** Counters of one worker-isolated plugin since it was loaded. */
export interface WorkerStats {
  /** Fresh instances started after a timeout or a crash (the first one is not counted). */
  restarts: number;
  timeouts: number;
  crashes: number;
  resets: number;
}

/**
 * A plugin run in its own worker through Extism's `runInWorker`, behind the interface the
 * {@link PluginRunner} uses (`call`, `close`). The runner queues calls, so at most one call is
 * in flight here.
 *
 * - Timeouts: each call is timed here (not by Extism: its restart rejects the call only once the
 *   replacement worker is ready, and that replacement skips `init_plugin`). When the limit
 *   passes the call rejects with `timeout` at once and the worker is terminated; the next
 *   call starts a fresh instance (its `init_plugin` runs again, `get_metadata` is checked)
 *   and runs on it. State the guest kept in its memory (and Extism vars)
 *   is lost; what it wrote through the host API in committed calls is not.
 * - Crashes: a worker that exits (Node) or reports an error outside a call, or that Extism
 *   closed after an internal failure, fails the call in flight with `plugin_trap`; the next
 *   call starts a fresh instance.
 * - Long life and speed: `reset()` while idle every {@link DEFAULT_RESET_EVERY} calls.
 */
export class WorkerPlugin implements RunnablePlugin {
  readonly name: string;
  readonly stats: WorkerStats = { restarts: 0, timeouts: 0, crashes: 0, resets: 0 };
  readonly #options: WorkerPluginOptions;
  readonly #resetEvery: number;
  #live: Live | undefined;
  #starting: Promise<Live> | undefined;
  /** The replacement started ahead of the next call ({@link WorkerPluginOptions.prewarm}). */
  #spare: Promise<BackgroundExtismPlugin> | undefined;
  #closed = false;

  private constructor(options: WorkerPluginOptions, first: BackgroundExtismPlugin) {
    this.name = options.name;
    this.#options = options;
    this.#resetEvery = Math.max(1, options.resetEvery ?? DEFAULT_RESET_EVERY);
    this.#live = this.#adopt(first);
    LIVE.add(this);
  }

  /** Starts the first instance (the caller runs its lifecycle through the runner, as inline). */
  static async start(options: WorkerPluginOptions): Promise<WorkerPlugin> {
    return new WorkerPlugin(options, await options.create());
  }

  /** Runs one call on the live instance, starting a fresh one first when there is none. */
  async call(exportName: string, input?: string | Uint8Array, tx?: CallTransaction): Promise<PluginOutput | null> {
    if (this.#closed) throw new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name });
    const live = this.#live ?? (await this.#fresh());
    if (live.sinceReset >= this.#resetEvery) {
      // Idle here: the runner sends one call at a time.
      await live.plugin.reset();
      live.sinceReset = 0;
      this.stats.resets++;
    }
    live.sinceReset++;
    return this.#timed(live, exportName, input ?? "", tx);
  }

  /** Guest memory in pages after the live instance's last call, where the transport reports it. */
  get memoryPages(): number | undefined {
    return this.#live?.plugin.memoryPages;
  }

  /** Terminates the worker (a call in flight is left to the runner, which waits for it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    LIVE.delete(this);
    const starting = this.#starting;
    if (starting !== undefined) await starting.then(undefined, () => undefined);
    const live = this.#live;
    this.#live = undefined;
    if (live !== undefined) await this.#kill(live);
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) await spare.then((plugin) => plugin.close(), () => undefined);
  }

  /** Stops the live worker as a crash would (see {@link crashWorkerOf}). False when none runs. */
  crash(): boolean {
    const live = this.#live;
    if (live === undefined || live.dead) return false;
    void live.plugin.worker?.terminate();
    this.#died(live, "was terminated");
    return true;
  }

  #adopt(plugin: BackgroundExtismPlugin): Live {
    // Extism's own timer (used while the worker instantiated) would restart the worker behind
    // our back; calls are timed in #timed instead.
    plugin.opts.timeoutMs = null;
    const live: Live = { plugin, sinceReset: 0, dead: false, fail: undefined, exportName: "" };
    const worker = plugin.worker;
    worker?.on("exit", () => this.#died(live, "exited"));
    worker?.on("error", (error: unknown) => this.#died(live, `failed (${messageOf(error)})`));
    return live;
  }

  #timeoutError(exportName: string): ThreadspaceError {
    const { timeoutMs, lifecycle } = this.#options;
    return new ThreadspaceError(
      "timeout",
      `${exportName} ran longer than its limit of ${timeoutMs} ms (limits.timeoutMs), so its worker was terminated. The next call runs on a fresh instance${lifecycle ? " (init_plugin runs again)" : ""}: state the plugin kept in its memory is lost, what it committed through the host API is kept. Make ${exportName} finish sooner (split the work over several calls), or raise limits.timeoutMs in plugin.json (the host's policy caps it).`,
      { plugin: this.name },
    );
  }

  #timed(live: Live, exportName: string, input: string | Uint8Array, tx: CallTransaction | undefined): Promise<PluginOutput | null> {
    return new Promise<PluginOutput | null>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        live.fail = undefined;
      };
      const timer = setTimeout(() => {
        settle();
        this.stats.timeouts++;
        reject(this.#timeoutError(exportName));
        void this.#retire(live);
      }, this.#options.timeoutMs);
      live.exportName = exportName;
      live.fail = (error) => {
        settle();
        reject(error);
      };
      live.plugin.call(exportName, input, tx).then(
        (output) => {
          settle();
          resolve(output);
        },
        (cause: unknown) => {
          settle();
          reject(this.#callError(cause, exportName));
          // Extism closes the worker itself when it fails to serve a host call: start afresh.
          if (live.plugin.worker === null && !live.dead) this.#died(live, "was closed by Extism after an internal error");
        },
      );
    });
  }

  #callError(cause: unknown, exportName: string): unknown {
    const error = reviveError(cause);
    if (error instanceof Error && /unreachable/i.test(error.message) && this.#live?.plugin.memoryPages === undefined) {
      // A trap. Guest memory lives in the worker, so whether it hit its cap cannot be checked.
      error.message += ` (in worker isolation the engine cannot see guest memory: if ${exportName} was allocating, it may have reached its cap of ${this.#options.memoryPages} pages, limits.memoryPages)`;
    }
    return error;
  }

  /** The worker died or was stopped: fail the call in flight, forget the instance, restart. */
  #died(live: Live, why: string): void {
    if (live.dead) return;
    const fail = live.fail;
    const inFlight = fail !== undefined;
    void this.#retire(live);
    if (this.#closed) return;
    this.stats.crashes++;
    fail?.(
      new ThreadspaceError(
        "plugin_trap",
        `${inFlight ? live.exportName : "the plugin"} stopped: its worker ${why}. The next call runs on a fresh instance${this.#options.lifecycle ? " (init_plugin runs again)" : ""}; state the plugin kept in its memory is lost.`,
        { plugin: this.name },
      ),
    );
  }

  /**
   * Marks `live` dead and terminates it; the next call runs the lifecycle on a fresh instance
   * (never here: a plugin whose init_plugin loops would churn workers). With `prewarm`, only the
   * worker is started ahead.
   */
  async #retire(live: Live): Promise<void> {
    if (live.dead) return;
    if (this.#live === live) this.#live = undefined;
    await this.#kill(live);
    this.#prewarm();
  }

  /** Starts the next instance's worker now, when asked to and none is running or starting. */
  #prewarm(): void {
    if (this.#options.prewarm !== true || this.#closed || this.#live !== undefined || this.#starting !== undefined || this.#spare !== undefined) return;
    const spare = this.#options.create();
    spare.catch(() => undefined); // a failed start is tried again by the next call
    this.#spare = spare;
  }

  async #kill(live: Live): Promise<void> {
    live.dead = true;
    live.fail = undefined;
    try {
      await live.plugin.close();
    } catch {
      // Already gone.
    }
    unblockHostCalls(live.plugin.hostFlag);
  }

  /** The replacement instance: one start at a time, shared by every caller waiting for it. */
  #fresh(): Promise<Live> {
    this.#starting ??= (async () => {
      try {
        const spare = this.#spare;
        this.#spare = undefined;
        const plugin = spare === undefined ? await this.#options.create() : await spare.catch(() => this.#options.create());
        const live = this.#adopt(plugin);
        try {
          await this.#options.restartLifecycle({ call: (exportName, input, tx) => this.#timed(live, exportName, input ?? "", tx), close: () => this.#kill(live) });
        } catch (error) {
          await this.#kill(live);
          throw error;
        }
        if (this.#closed || live.dead) {
          await this.#kill(live);
          throw new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name });
        }
        this.stats.restarts++;
        this.#live = live;
        return live;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }
}
