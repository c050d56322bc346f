import { ThreadspaceError } from "@threadspace/errors";
import type { CallTransaction } from "@threadspace/host";
import { translateCallError } from "./call-errors.ts";
import type { CallOutcome, Instance } from "../isolation/instance.ts";
import type { WorkerStats } from "../isolation/worker-supervisor.ts";
import { FuelWindow, type FuelSummary } from "../fuel/fuel-window.ts";
import type { ExportContract } from "../exports/export-contract.ts";
import type { CallTap } from "../replay/call-tap.ts";

const EMPTY = new Uint8Array(0);
const PAGE = 65536;
/** One call in this many is timed for the latency percentiles. */
const LATENCY_SAMPLE = 8;

/** Per-call limits a runner enforces itself. */
export interface RunnerLimits {
  readonly maxInputBytes: number;
  readonly maxOutputBytes: number;
  /** The guest memory cap written into the module, in pages (to tell "out of memory" traps apart). */
  readonly memoryPages: number;
  /** Longest a call may run, in ms: the call's deadline (a metered module checks it; a worker's supervisor stops it). */
  readonly timeoutMs?: number;
  /** Most fuel a call may use (limits.fuel); undefined: no fuel limit (a metered call still has its deadline). */
  readonly fuel?: number | undefined;
  /** Where the plugin asked to run (limits.isolation, capped by policy); default `inline`. */
  readonly isolation?: "inline" | "pool" | "worker";
  /** Most calls that may wait behind the running one; one more is refused with `busy`. Default: no bound. */
  readonly maxQueued?: number;
  /** Kernel caps (limits/host-memory.ts): bytes the plugin may make the host hold, and of those in vars. Default: derived from `memoryPages`. */
  readonly hostMemoryBytes?: number;
  readonly maxVarBytes?: number;
}

/** Where a runner's instance runs, and what was decided about it (engine.get(name).limitNotes). */
export interface RunnerIsolation {
  readonly mode: "inline" | "pool" | "worker";
  readonly notes: readonly string[];
}

const NO_LIMITS: RunnerLimits = { maxInputBytes: Infinity, maxOutputBytes: Infinity, memoryPages: Infinity };

/** Opens and commits the transactions of one plugin's calls. */
export interface CallTransactions {
  /** The transaction a call's host functions write into (passed to Extism as the call's host context). */
  begin(): CallTransaction;
  /**
   * Commits it: `undefined` when it applied synchronously, else a promise that settles once its
   * writes are stored and applied. May throw (`quota_exceeded`); the runner aborts it then.
   */
  commit(tx: CallTransaction): Promise<void> | undefined;
}

/** Options of {@link PluginRunner}. */
export interface RunnerOptions {
  /**
   * Where a call's transaction comes from and goes (the host: `host.begin(name)`, `host.commit(tx)`,
   * which stores it through the persistence the host was built with); omitted for plugins that
   * import no host functions.
   */
  readonly transactions?: CallTransactions;
  readonly limits?: RunnerLimits;
  /** The worker supervisor's counters (restarts, timeouts, crashes), for worker-isolated plugins. */
  readonly workerStats?: Readonly<WorkerStats>;
  /** Where the instance runs (default inline, no notes). */
  readonly isolation?: RunnerIsolation;
  /** True when the module is metered: calls report their fuel (and `fuelStats` is kept). */
  readonly metered?: boolean;
  /** plugin.json's export schemas: inputs checked before a call is queued, outputs in debug mode (exports/export-contract.ts). */
  readonly contract?: ExportContract;
}

/**
 * Exports only the engine calls (lifecycle, events, ticks, config changes, health and debug
 * reports, and WASI's start-up functions): `call` refuses them with `permission_denied`, for
 * the embedder's `engine.call` and other plugins' `ts_plugin_call` alike, so nobody can run
 * `cleanup` on a loaded plugin or forge an `on_event`. The engine reaches them through `callBytes`.
 */
export const ENGINE_EXPORTS: ReadonlySet<string> = new Set(["init_plugin", "get_metadata", "cleanup", "health_check", "on_event", "on_tick", "on_config_change", "debug_info", "_start", "_initialize", "__threadspace_initialize"]);

/** A call's own fuel budget (`engine.call(..., { fuel })`), in place of the plugin's `limits.fuel`. */
export interface CallBudget {
  readonly fuel: number;
  /** Named in `fuel_exhausted`, e.g. `engine.call's { fuel }`. */
  readonly source: string;
}

/** Maps a call's output (null when it wrote none) and the fuel it used (undefined when not metered). */
export type OutputMap<T> = (output: Uint8Array | null, fuel: number | undefined) => T;

const encoder = new TextEncoder();

/** UTF-8 size of a call input, without encoding it when its length alone decides. */
function inputBytes(input: string | Uint8Array, max: number): number {
  if (typeof input !== "string") return input.byteLength;
  if (input.length * 3 <= max) return input.length;
  return encoder.encode(input).byteLength;
}
const toBytes = (output: Uint8Array | null): Uint8Array => output ?? EMPTY;

/**
 * One running plugin instance. Calls are queued because an instance is not reentrant;
 * the next queued call starts as soon as the previous one settles. The idle path adds a
 * single promise reaction to Extism's own call (see bench/call-overhead).
 */
export class PluginRunner {
  readonly name: string;
  readonly exports: ReadonlySet<string>;
  readonly #instance: Instance;
  /** Where the instance runs; `notes` tell what was decided (e.g. a fallback to inline). */
  readonly isolation: RunnerIsolation;
  /** Calls served and failed since this instance started. */
  readonly stats: { calls: number; errors: number; lastError?: string } = { calls: 0, errors: 0 };
  /** When this instance started (ms since the epoch), for uptime. */
  readonly startedAt: number = Date.now();
  #busy = false;
  #closed = false;
  readonly #waiting: Array<() => void> = [];
  readonly #release = (): void => {
    this.#busy = false;
    const tap = this.#tap;
    if (tap !== undefined) {
      // Before the next call starts: what the tap records is this call's alone.
      this.#tap = undefined;
      tap.end();
    }
    this.#waiting.shift()?.();
  };
  /** The tap of the call running now, if it is recorded or replayed. */
  #tap: CallTap | undefined = undefined;

  readonly #transactions: CallTransactions | undefined;
  readonly #limits: RunnerLimits;
  readonly #workerStats: Readonly<WorkerStats> | undefined;
  readonly #contract: ExportContract | undefined;
  #tx: CallTransaction | undefined;

  constructor(name: string, instance: Instance, exports: readonly string[], options: RunnerOptions = {}) {
    this.name = name;
    this.#instance = instance;
    this.exports = new Set(exports);
    this.#transactions = options.transactions;
    this.#limits = options.limits ?? NO_LIMITS;
    this.#workerStats = options.workerStats;
    this.#contract = options.contract;
    this.isolation = options.isolation ?? { mode: "inline", notes: [] };
    this.#fuel = options.metered === true ? new FuelWindow() : undefined;
  }

  /**
   * Calls an export and maps its output (null when it wrote none) with `map`, in the same
   * promise reaction that frees the instance for the next call.
   */
  call<T>(exportName: string, input: string | Uint8Array, map: OutputMap<T>, budget?: CallBudget, caller?: string, tap?: CallTap): Promise<T> {
    if (ENGINE_EXPORTS.has(exportName)) {
      const who = caller === undefined ? "engine.call" : `${caller} (through ts_plugin_call)`;
      return Promise.reject(new ThreadspaceError("permission_denied", `${exportName} is called only by the engine (lifecycle, events, config changes, health and debug reports); ${who} may not call it. Use the engine's API instead (engine.health, engine.debugInfo, engine.events.emit, engine.config.set, engine.unload).`, { plugin: this.name }));
    }
    return this.#enqueue(exportName, input, map, true, budget, caller, tap);
  }

  /**
   * As `call`, for a replay (replay/): with its tap, and outside the plugin's figures (stats,
   * health, fuel percentiles, circuit breaker), so that replaying traces, hostile ones included,
   * cannot open the plugin's circuit for its callers.
   */
  replay<T>(exportName: string, input: string | Uint8Array, map: OutputMap<T>, budget: CallBudget | undefined, tap: CallTap): Promise<T> {
    if (ENGINE_EXPORTS.has(exportName)) return this.call(exportName, input, map);
    // Checked against this plugin's export schema as engine.call is: a rebuilt plugin may refuse the recorded input.
    const refused = this.#contract?.input(exportName, input);
    if (refused !== undefined) return Promise.reject(refused);
    return this.#enqueue(exportName, input, map, false, budget, undefined, tap);
  }

  /** Calls an export and returns its output bytes; lifecycle calls use it, so `stats` does not count them. */
  callBytes(exportName: string, input: string | Uint8Array = ""): Promise<Uint8Array> {
    return this.#enqueue(exportName, input, toBytes, false);
  }

  #enqueue<T>(exportName: string, input: string | Uint8Array, map: OutputMap<T>, counted: boolean, budget?: CallBudget, caller?: string, tap?: CallTap): Promise<T> {
    if (this.#closed) return Promise.reject(new ThreadspaceError("plugin_unavailable", "is unloading; call it again after it is loaded.", { plugin: this.name }));
    if (!this.exports.has(exportName)) return Promise.reject(this.#fail(this.missing(exportName), exportName, counted));
    const size = inputBytes(input, this.#limits.maxInputBytes);
    if (size > this.#limits.maxInputBytes) {
      const error = new ThreadspaceError("limit_exceeded", `the input to ${exportName} is ${size} bytes; this plugin accepts at most ${this.#limits.maxInputBytes} (limits.maxInputBytes).`, { plugin: this.name });
      return Promise.reject(this.#fail(error, exportName, counted));
    }
    // The caller's mistake, refused before anything runs: not counted against the plugin.
    const refused = counted ? this.#contract?.input(exportName, input) : undefined;
    if (refused !== undefined) return Promise.reject(refused);
    if (!this.#busy) return this.#run(exportName, input, map, counted, budget, caller, tap);
    const maxQueued = this.#limits.maxQueued;
    if (counted && maxQueued !== undefined && this.#waiting.length >= maxQueued) {
      const error = new ThreadspaceError("busy", `has ${this.#waiting.length} calls waiting already, the most the engine queues per plugin (createEngine({ maxQueuedCalls })); ${exportName} was not queued. Retry later or call it less often.`, { plugin: this.name });
      // Not counted as the plugin's error: the plugin did nothing wrong.
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push(() => this.#run(exportName, input, map, counted, budget, caller, tap).then(resolve, reject));
    });
  }

  /** The error for calling an export the module does not have. */
  missing(exportName: string): ThreadspaceError {
    const known = [...this.exports].sort().join(", ") || "none";
    return new ThreadspaceError("export_missing", `has no export "${exportName}". Its exports are: ${known}.`, { plugin: this.name });
  }

  /** Guest memory in 64 KiB pages (inline; in a worker as of its last call), or undefined where it cannot be known. */
  get memoryPages(): number | undefined {
    return this.#instance.memoryPages;
  }

  /** Worker isolation's counters (restarts, timeouts, crashes); undefined inline. */
  get isolationStats(): Readonly<WorkerStats> | undefined {
    return this.#workerStats;
  }

  /** Number of calls waiting behind the running one. */
  get queued(): number {
    return this.#waiting.length;
  }

  #fail(cause: unknown, exportName: string, counted: boolean): ThreadspaceError {
    let error = translateCallError(cause, this.name, exportName);
    const pages = this.memoryPages ?? 0;
    if (error.code === "plugin_trap" && pages >= this.#limits.memoryPages) {
      error = new ThreadspaceError(
        "memory_limit",
        `${exportName} ran out of memory: its memory reached the cap of ${this.#limits.memoryPages} pages (${(this.#limits.memoryPages * PAGE) / 1048576} MiB) and then it trapped (${translateCallError(cause, this.name, exportName).message}). Raise limits.memoryPages in plugin.json if it needs more; the host's policy caps it.`,
        { plugin: this.name, cause },
      );
    }
    if (counted) {
      this.stats.errors++;
      this.stats.lastError = error.message;
    }
    return error;
  }

  #run<T>(exportName: string, input: string | Uint8Array, map: OutputMap<T>, counted: boolean, budget: CallBudget | undefined, caller?: string, tap?: CallTap): Promise<T> {
    this.#caller = caller;
    this.#busy = true;
    if (counted) this.stats.calls++;
    // One call runs at a time, so its details live in fields and the reactions below are
    // allocated once per runner, not per call.
    this.#exportName = exportName;
    this.#map = map;
    this.#counted = counted;
    // Latency is sampled (one call in LATENCY_SAMPLE, and every first call): a clock read costs
    // a noticeable share of a 5 µs call. Counts and errors are still recorded for every call.
    if (counted && this.#observer !== undefined) {
      this.#sampleTick = (this.#sampleTick + 1) % LATENCY_SAMPLE;
      this.#startedAt = this.#sampleTick === 1 ? performance.now() : Number.NaN;
    }
    const tx = this.#transactions?.begin();
    this.#tx = tx;
    // A recorded or replayed call (replay/): its tap sees or serves the call's host calls.
    if (tap !== undefined) {
      this.#tap = tap;
      tap.begin(tx);
    }
    try {
      const timeoutMs = this.#limits.timeoutMs;
      const fuel = budget?.fuel ?? this.#limits.fuel;
      // The deadline is set by the instance when the call starts running there (a worker may
      // first have to restart): timeoutMs counts the plugin's own time.
      const options = { tx, fuel, fuelSource: budget?.source ?? "limits.fuel", timeoutMs, caller, vars: tap?.vars };
      const instance = this.#instance;
      // One promise reaction per call where the instance can hand its outcome straight on.
      if (instance.callThen !== undefined) return instance.callThen(exportName, input, options, this.#settle as (outcome: CallOutcome) => T, this.#settleError);
      return instance.call(exportName, input, options).then(this.#settle as (outcome: CallOutcome) => T, this.#settleError);
    } catch (cause) {
      return new Promise<T>(() => this.#settleError(cause));
    }
  }

  #exportName = "";
  #map: OutputMap<unknown> = () => undefined;
  #counted = false;
  /** The plugin whose ts_plugin_call this call serves (undefined: the embedder's call). */
  #caller: string | undefined = undefined;
  /** Fuel per call of the counted calls (metered instances). */
  readonly #fuel: FuelWindow | undefined;

  /** Fuel per call (p50/p95/max of the last calls, and the total); undefined when the module is not metered. */
  get fuelStats(): FuelSummary | undefined {
    return this.#fuel?.summary();
  }

  readonly #settle = (outcome: CallOutcome): unknown => {
    const map = this.#map;
    const tx = this.#tx;
    const output = outcome.output;
    const fuel = outcome.fuelUsed;
    if (fuel !== undefined && this.#counted) this.#fuel?.record(fuel);
    if (output !== null && output.byteLength > this.#limits.maxOutputBytes) {
      const max = this.#limits.maxOutputBytes;
      return this.#settleError(new ThreadspaceError("limit_exceeded", `${this.#exportName} wrote ${output.byteLength} bytes of output; this plugin may write at most ${max} (limits.maxOutputBytes). Its effects are discarded.`, { plugin: this.name }));
    }
    const broken = this.#counted ? this.#contract?.output(this.#exportName, output) : undefined;
    if (broken !== undefined) return this.#settleError(broken);
    if (tx !== undefined) {
      // A per-call limit the call went over during a host call (recorded by the transaction).
      if (tx.failure !== undefined) return this.#settleError(tx.failure);
      let stored: Promise<void> | undefined;
      try {
        // With storage, a call that wrote something resolves only after its commit (and the
        // instance stays busy until then); otherwise the commit is synchronous.
        stored = (this.#transactions as CallTransactions).commit(tx);
      } catch (cause) {
        return this.#settleError(cause);
      }
      if (stored !== undefined) {
        return stored.then(() => {
          this.#observe(undefined);
          this.#release();
          return map(output, fuel);
        }, this.#settleError);
      }
    }
    this.#observe(undefined);
    this.#release();
    return map(output, fuel);
  };
  readonly #settleError = (cause: unknown): never => {
    this.#tx?.abort();
    const error = this.#fail(cause, this.#exportName, this.#counted);
    this.#observe(error);
    this.#release();
    throw error;
  };

  /**
   * Tells `observer` how every counted call that ran ended (its duration in ms, NaN when the
   * call was not timed, and its error), in the reaction that settles it: the engine's health
   * monitor (lifecycle/monitor.ts). One observer; a later one replaces it.
   */
  observe(observer: (ms: number, error: ThreadspaceError | undefined, caller: string | undefined) => void): void {
    this.#observer = observer;
  }
  #observer: ((ms: number, error: ThreadspaceError | undefined, caller: string | undefined) => void) | undefined = undefined;
  #startedAt = 0;
  #sampleTick = 0;
  #observe(error: ThreadspaceError | undefined): void {
    if (!this.#counted || this.#observer === undefined) return;
    const started = this.#startedAt;
    this.#observer(Number.isNaN(started) ? Number.NaN : performance.now() - started, error, this.#caller);
  }

  /** Waits for queued calls, then frees the instance (and its WASI state). Later calls are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    await this.#instance.close();
  }
}

/** What the engine's background callers (event delivery, config changes, ticks) need of a runner: its exports and a plain call. */
export type ExportCaller = Pick<PluginRunner, "exports" | "callBytes">;
