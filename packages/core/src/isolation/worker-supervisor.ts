import { ThreadspaceError } from "@threadspace/errors";
import { CallNotStartedError, type CallOptions, type CallOutcome, type Instance, type WorkerInstance } from "./instance.ts";

/** The engine-wide worker cap (`isolation.maxWorkers`): a slot is taken before a worker starts and given back once it is gone. */
export interface WorkerSlotPool {
  /** Resolves with the function that gives the slot back, once one is free. */
  acquire(): Promise<() => void>;
}

/** What {@link WorkerSupervisor} needs to make and start instances. */
export interface SupervisorOptions {
  readonly name: string;
  /** Longest a call may run (limits.timeoutMs); a call's own deadline may end it sooner. */
  readonly timeoutMs: number;
  /**
   * How long past a call's deadline the supervisor waits before terminating the worker, in ms
   * (default 0). A metered module stops itself at its deadline (its meter runs in the worker) and
   * keeps its worker; this grace only backs that up (a guest stuck in a long bulk operation or a
   * host call).
   */
  readonly graceMs?: number;
  /** `threadspace` plugins run `init_plugin` on every fresh instance; messages say so. */
  readonly lifecycle: boolean;
  /** Starts a fresh worker-backed instance (no lifecycle calls). */
  readonly create: () => Promise<WorkerInstance>;
  /** The engine's worker cap, when it has one: every instance holds a slot while its worker lives. */
  readonly slots?: WorkerSlotPool | undefined;
  /**
   * Start the replacement worker as soon as one times out or dies (its lifecycle still runs at
   * the next call), so that a retry finds it started. Default false; the engine turns it on
   * unless workers count against a cap (an idle spare would hold a slot another plugin waits for).
   */
  readonly prewarm?: boolean;
  /**
   * Runs the lifecycle (init_plugin, get_metadata check) on a fresh instance after a restart;
   * its calls are timed like any call. Throwing fails the restart. Given by the engine: the
   * supervisor knows no lifecycle.
   */
  readonly restartLifecycle: (instance: Instance) => Promise<void>;
}

/** Counters of one supervised plugin since it was loaded. */
export interface WorkerStats {
  /** Fresh instances started after a timeout or a crash (the first one is not counted). */
  restarts: number;
  timeouts: number;
  crashes: number;
}

/** One worker-backed instance under supervision. */
interface Live {
  readonly instance: WorkerInstance;
  /** Gives its worker slot back (once). */
  readonly release: () => void;
  dead: boolean;
  /** Rejects the call in flight (crash), when one is. */
  fail: ((error: ThreadspaceError) => void) | undefined;
  /** The export in flight, for messages. */
  exportName: string;
}

/** Every live supervisor, so that tests and debugging can crash one on purpose. */
const LIVE = new Set<WorkerSupervisor>();

/**
 * Terminates the worker of every running worker-isolated plugin named `name`, as if it had
 * crashed: a call in flight fails with `plugin_trap`, the next call starts a fresh instance.
 * For tests and debugging; returns how many workers it stopped.
 */
export function crashWorkerOf(name: string): number {
  let stopped = 0;
  for (const supervisor of LIVE) if (supervisor.name === name && supervisor.crash()) stopped++;
  return stopped;
}

const once = (release: () => void): (() => void) => {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
};

/**
 * Runs a plugin in worker-backed instances (our bridge, Extism's runInWorker) and keeps it
 * serving; itself an {@link Instance}, so the engine drives it like any other. The engine's
 * runner queues calls, so at most one call is in flight here.
 *
 * - Timeouts: each call is timed here, to `timeoutMs` or the call's own deadline, whichever comes
 *   first. When it passes the call rejects with `timeout` at once and the worker is terminated;
 *   the next call starts a fresh instance (the engine's `restartLifecycle` runs on it first:
 *   `init_plugin`, `get_metadata`) and runs on it. State the guest kept in its memory is lost;
 *   what it wrote through the host API in committed calls is not.
 * - Crashes: a worker that exits or fails fails the call in flight with `plugin_trap`; the next
 *   call starts a fresh instance.
 * - Worker slots: an instance holds one of the engine's slots from before its worker starts
 *   until it is gone, however it ends.
 */
export class WorkerSupervisor implements Instance {
  readonly name: string;
  readonly stats: WorkerStats = { restarts: 0, timeouts: 0, crashes: 0 };
  readonly #options: SupervisorOptions;
  #live: Live | undefined;
  #starting: Promise<Live> | undefined;
  /** The replacement started ahead of the next call ({@link SupervisorOptions.prewarm}). */
  #spare: Promise<Live> | undefined;
  #closed = false;

  private constructor(options: SupervisorOptions, first: Live) {
    this.name = options.name;
    this.#options = options;
    this.#live = this.#watch(first);
    LIVE.add(this);
  }

  /** Starts the first instance (the engine runs its lifecycle through its runner, as inline). */
  static async start(options: SupervisorOptions): Promise<WorkerSupervisor> {
    return new WorkerSupervisor(options, await WorkerSupervisor.#make(options));
  }

  /** A fresh instance holding a worker slot. */
  static async #make(options: SupervisorOptions): Promise<Live> {
    const release = once((await options.slots?.acquire()) ?? (() => undefined));
    try {
      const instance = await options.create();
      return { instance, release, dead: false, fail: undefined, exportName: "" };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Runs one call on the live instance, starting a fresh one first when there is none. */
  async call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome> {
    if (this.#closed) throw this.#unloading();
    const live = this.#live ?? (await this.#fresh());
    try {
      return await this.#timed(live, exportName, input, options);
    } catch (error) {
      // Its worker went away before the call started (a pool worker restarted for a neighbour):
      // nothing ran, so it runs once more on a fresh instance.
      if (!(error instanceof CallNotStartedError) || this.#closed) throw error;
      await this.#retire(live);
      return this.#timed(this.#live ?? (await this.#fresh()), exportName, input, options);
    }
  }

  /** Guest memory in pages after the live instance's last call, where its transport reports it. */
  get memoryPages(): number | undefined {
    return this.#live?.instance.memoryPages;
  }

  /** A supervised plugin never stops by itself: it restarts its instances. */
  onExit(): void {}

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
    if (spare !== undefined) await spare.then((next) => this.#kill(next), () => undefined);
  }

  /** Stops the live worker as a crash would (see {@link crashWorkerOf}). False when none runs. */
  crash(): boolean {
    const live = this.#live;
    if (live === undefined || live.dead) return false;
    live.instance.terminate();
    this.#died(live, "was terminated");
    return true;
  }

  #unloading(): ThreadspaceError {
    return new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name });
  }

  #watch(live: Live): Live {
    live.instance.onExit((why) => this.#died(live, why));
    return live;
  }

  #timeoutError(exportName: string, ms: number): ThreadspaceError {
    const { timeoutMs, lifecycle } = this.#options;
    const limit = ms < timeoutMs ? `its deadline (${Math.round(ms)} ms after it started; limits.timeoutMs is ${timeoutMs} ms)` : `its limit of ${timeoutMs} ms (limits.timeoutMs)`;
    return new ThreadspaceError(
      "timeout",
      `${exportName} ran longer than ${limit}, so its worker was terminated. The next call runs on a fresh instance${lifecycle ? " (init_plugin runs again)" : ""}: state the plugin kept in its memory is lost, what it committed through the host API is kept. Make ${exportName} finish sooner (split the work over several calls), or raise limits.timeoutMs in plugin.json (the host's policy caps it).`,
      { plugin: this.name },
    );
  }

  #timed(live: Live, exportName: string, input: string | Uint8Array, options: CallOptions | undefined): Promise<CallOutcome> {
    const deadline = options?.deadline;
    const ms = deadline === undefined ? this.#options.timeoutMs : Math.max(0, Math.min(this.#options.timeoutMs, deadline - performance.now()));
    const grace = this.#options.graceMs ?? 0;
    return new Promise<CallOutcome>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        settled = true;
        clearTimeout(timer);
        live.fail = undefined;
      };
      // Timed from when the call starts running: a pooled call may first wait for its shared worker.
      const arm = (): void => {
        if (settled || timer !== undefined) return;
        timer = setTimeout(() => {
          settle();
          this.stats.timeouts++;
          reject(this.#timeoutError(exportName, ms));
          void this.#retire(live);
        }, ms + grace);
      };
      const queues = live.instance.queues === true;
      if (!queues) arm();
      live.exportName = exportName;
      live.fail = (error) => {
        settle();
        reject(error);
      };
      live.instance.call(exportName, input, queues ? { ...options, onStart: arm } : options).then(
        (outcome) => {
          settle();
          resolve(outcome);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
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
    const spare = WorkerSupervisor.#make(this.#options);
    spare.catch(() => undefined); // a failed start is tried again by the next call
    this.#spare = spare;
  }

  async #kill(live: Live): Promise<void> {
    live.dead = true;
    live.fail = undefined;
    try {
      await live.instance.close();
    } catch {
      // Already gone.
    } finally {
      live.release();
    }
  }

  /** The replacement instance: one start at a time, shared by every caller waiting for it. */
  #fresh(): Promise<Live> {
    this.#starting ??= (async () => {
      try {
        const spare = this.#spare;
        this.#spare = undefined;
        const live = this.#watch(spare === undefined ? await WorkerSupervisor.#make(this.#options) : await spare.catch(() => WorkerSupervisor.#make(this.#options)));
        if (live.dead) throw this.#unloading();
        const timed: Instance = {
          call: (exportName, input, options) => this.#timed(live, exportName, input, options),
          close: () => this.#kill(live),
          get memoryPages() {
            return live.instance.memoryPages;
          },
          onExit: (listener) => live.instance.onExit(listener),
        };
        try {
          await this.#options.restartLifecycle(timed);
        } catch (error) {
          await this.#kill(live);
          throw error;
        }
        if (this.#closed || live.dead) {
          await this.#kill(live);
          throw this.#unloading();
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
