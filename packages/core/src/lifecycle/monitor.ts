import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginRunner } from "../calls/plugin-runner.ts";
import type { HealthRow } from "@threadspace/storage";
import { checkHealth, type HealthStatus } from "./health.ts";

/** The circuit breaker of {@link HealthOptions}. */
export interface CircuitBreakerOptions {
  /** Consecutive failed calls (trap, timeout, memory_limit) or failed health checks that open it. Default 5. */
  readonly failures?: number;
  /** How long it stays open the first time, in ms, before one trial call is let through. Default 30,000. */
  readonly retryAfterMs?: number;
  /** The longest it stays open: each failed trial doubles the wait, up to this. Default 8 × retryAfterMs. */
  readonly maxRetryAfterMs?: number;
}

/** Health monitoring options of `createEngine` (see {@link EngineHealthOptions}). */
export interface HealthOptions {
  /** Polls every loaded plugin's `health_check` this often, in ms; 0 or absent: no polling. */
  readonly healthCheckIntervalMs?: number;
  /** Longest a `health_check` may take (polled or from `engine.health`), in ms. Default 5000. */
  readonly healthCheckTimeoutMs?: number;
  /** Disables a plugin after consecutive failures; `false` turns it off. Default on (5 failures, 30 s). */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
}

/** Latency percentiles of the last {@link LATENCY_WINDOW} calls, in ms (null before the first call). */
export interface LatencyPercentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** Calls the percentiles are taken over (at most {@link LATENCY_WINDOW}). */
  readonly samples: number;
}

/** The circuit breaker's state: `closed` (serving), `open` (calls fail fast), `half-open` (one trial call). */
export interface CircuitState {
  readonly state: "closed" | "open" | "half-open";
  readonly consecutiveFailures: number;
  /** When an open circuit lets a trial call through (ms since the epoch). */
  readonly retryAt?: number;
  /** Why it opened. */
  readonly reason?: string;
}

/** What the engine observed of one plugin since it was (last) loaded. */
export interface EngineObservations {
  readonly calls: number;
  readonly errors: number;
  readonly lastError?: string;
  readonly lastErrorCode?: string;
  /** When the last error happened (ms since the epoch). */
  readonly lastErrorAt?: number;
  readonly timeouts: number;
  /** Share of failed calls among the last {@link LATENCY_WINDOW}, 0-1. */
  readonly errorRate: number;
  readonly latencyMs: LatencyPercentiles;
  /** Guest memory in pages (inline); null in a worker, where it cannot be read from the engine's thread. */
  readonly memoryPages: number | null;
  readonly uptimeMs: number;
  /** Fresh instances started after a timeout or a crash (worker isolation; 0 inline). */
  readonly restarts: number;
  readonly circuit: CircuitState;
  /** The last polled health_check (absent before the first poll or without polling). */
  readonly lastCheck?: { readonly at: number; readonly status: HealthStatus; readonly message: string; readonly durationMs: number };
  /** Totals since the plugin was installed, across reloads and (with storage) restarts of the engine. */
  readonly history?: HealthHistory;
}

/**
 * A plugin's health history: what the engine counted since the plugin was installed, across
 * unload/load and, on an engine with storage, across restarts (stored behind the calls, see
 * `storage/journal.ts`): the `health` store's `HealthRow` (calls, errors, timeouts, circuit
 * openings, last error and when, since when), with the check's status typed.
 */
export type HealthHistory = Omit<HealthRow, "lastCheck"> & {
  /** The last polled `health_check`. */
  readonly lastCheck?: { readonly at: number; readonly status: HealthStatus; readonly message: string };
};

type MutableHistory = { -readonly [K in keyof HealthHistory]: HealthHistory[K] } & { dirty: boolean };

/** Longest `lastError` kept in the history (messages can be long; the history is stored). */
const MAX_HISTORY_ERROR_CHARS = 1000;

/** Calls the latency percentiles and error rate are computed over (a ring buffer: memory stays fixed). */
export const LATENCY_WINDOW = 256;
/** Error rate (over the window, with at least {@link MIN_SAMPLES} calls) at which a plugin is `degraded` / `unhealthy`. */
export const DEGRADED_ERROR_RATE = 0.1;
export const UNHEALTHY_ERROR_RATE = 0.5;
const MIN_SAMPLES = 10;
const DEFAULT_FAILURES = 5;
const DEFAULT_RETRY_MS = 30_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

/** Codes that mean the plugin itself failed (not its caller or a limit of the queue): they trip the breaker. */
const FAILURE_CODES = new Set(["plugin_trap", "timeout", "memory_limit"]);
/** Codes that are not the plugin's doing and are not counted at all. */
const NOT_COUNTED = new Set(["busy", "plugin_unavailable", "engine_closed", "plugin_not_found"]);

/** The last N call durations and outcomes, in fixed-size ring buffers. */
class Window {
  readonly #ms = new Float64Array(LATENCY_WINDOW);
  readonly #failed = new Uint8Array(LATENCY_WINDOW);
  #next = 0;
  #size = 0;

  add(ms: number, failed: boolean): void {
    this.#ms[this.#next] = ms;
    this.#failed[this.#next] = failed ? 1 : 0;
    if (++this.#next === LATENCY_WINDOW) this.#next = 0;
    if (this.#size < LATENCY_WINDOW) this.#size++;
  }

  /** Percentiles of the timed calls in the window (calls are timed one in a few: NaN marks the others). */
  percentiles(): LatencyPercentiles {
    const sorted = this.#ms.slice(0, this.#size).filter((ms) => !Number.isNaN(ms)).sort();
    const n = sorted.length;
    if (n === 0) return { p50: null, p95: null, p99: null, samples: 0 };
    const at = (q: number): number => Math.round((sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0) * 1000) / 1000;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), samples: n };
  }

  errorRate(): number {
    if (this.#size === 0) return 0;
    let failed = 0;
    for (let i = 0; i < this.#size; i++) failed += this.#failed[i] ?? 0;
    return failed / this.#size;
  }

  get size(): number {
    return this.#size;
  }
}

/** One plugin's observations, kept per running instance (a reload starts afresh). */
class PluginMonitor {
  readonly window = new Window();
  calls = 0;
  errors = 0;
  timeouts = 0;
  lastError: string | undefined;
  lastErrorCode: string | undefined;
  lastErrorAt: number | undefined;
  consecutiveFailures = 0;
  circuit: "closed" | "open" | "half-open" = "closed";
  retryAt = 0;
  opens = 0;
  reason = "";
  trialInFlight = false;
  lastCheck: EngineObservations["lastCheck"];
  /** The derived status after the last polled check (a change is published as `plugin.health`). */
  lastStatus: HealthStatus = "healthy";
  checking = false;
  /** The plugin's history (shared by its instances over time). */
  history: MutableHistory | undefined;
}

/**
 * Health monitoring of one engine's plugins: counts calls, errors and timeouts, keeps latency
 * percentiles over a fixed window, polls `health_check` on an interval with its own timeout,
 * derives healthy / degraded / unhealthy from the plugin's report and these observations, and
 * runs a circuit breaker per plugin (closed → open after N consecutive failures → half-open: one
 * trial call after a back-off → closed on success, open again for twice as long on failure).
 */
export class HealthMonitor {
  readonly #monitors = new WeakMap<PluginRunner, PluginMonitor>();
  readonly #timeoutMs: number;
  readonly #breaker: Required<CircuitBreakerOptions> | undefined;
  readonly intervalMs: number;
  readonly #notify: (topic: string, payload: Record<string, unknown>) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #histories = new Map<string, MutableHistory>();
  /** Plugins whose history changed since the last {@link takeHistoryChanges}. */
  readonly #changed = new Set<string>();
  /** Told when a history changes while none was pending (the engine stores them behind, in one batch). */
  onHistoryChange: (() => void) | undefined = undefined;

  /**
   * `notify` publishes what changed: `plugin.circuit` `{ name, state, reason?, retryAt? }` when a
   * circuit opens or closes, `plugin.health` `{ name, status, previous, message }` when a polled
   * check changes the derived status.
   */
  constructor(options: HealthOptions = {}, notify: (topic: string, payload: Record<string, unknown>) => void = () => undefined) {
    this.#notify = notify;
    const interval = options.healthCheckIntervalMs ?? 0;
    const timeout = options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`healthCheckIntervalMs must be a number of ms from 0 (0: no polling); got ${String(interval)}`);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError(`healthCheckTimeoutMs must be a positive number of ms; got ${String(timeout)}`);
    this.intervalMs = interval;
    this.#timeoutMs = timeout;
    const breaker = options.circuitBreaker;
    if (breaker === false) {
      this.#breaker = undefined;
    } else {
      const failures = breaker?.failures ?? DEFAULT_FAILURES;
      const retryAfterMs = breaker?.retryAfterMs ?? DEFAULT_RETRY_MS;
      const maxRetryAfterMs = breaker?.maxRetryAfterMs ?? retryAfterMs * 8;
      if (!Number.isSafeInteger(failures) || failures < 1) throw new RangeError(`circuitBreaker.failures must be a whole number of at least 1; got ${String(failures)}`);
      if (!Number.isFinite(retryAfterMs) || retryAfterMs <= 0) throw new RangeError(`circuitBreaker.retryAfterMs must be a positive number of ms; got ${String(retryAfterMs)}`);
      if (!Number.isFinite(maxRetryAfterMs) || maxRetryAfterMs < retryAfterMs) throw new RangeError(`circuitBreaker.maxRetryAfterMs must be at least retryAfterMs; got ${String(maxRetryAfterMs)}`);
      this.#breaker = { failures, retryAfterMs, maxRetryAfterMs };
    }
  }

  #of(runner: PluginRunner): PluginMonitor {
    let monitor = this.#monitors.get(runner);
    if (monitor === undefined) {
      monitor = new PluginMonitor();
      this.#monitors.set(runner, monitor);
    }
    return monitor;
  }

  /**
   * Whether a call may go to the plugin now: undefined, or the `plugin_unavailable` error of an
   * open circuit. Past the back-off, the first call is let through as the trial.
   */
  admit(runner: PluginRunner): ThreadspaceError | undefined {
    const monitor = this.#monitors.get(runner);
    if (monitor === undefined || monitor.circuit === "closed") return undefined;
    if (Date.now() >= monitor.retryAt) {
      monitor.circuit = "half-open";
      runner.circuitClosed = false;
      monitor.trialInFlight = true;
      // A trial refused before it ran (busy, a missing export) never settles here: another goes through after as long again.
      monitor.retryAt = Date.now() + (this.#breaker?.retryAfterMs ?? 0);
      return undefined;
    }
    const when = new Date(monitor.retryAt).toISOString();
    const wait = Math.max(0, monitor.retryAt - Date.now());
    const retry = monitor.circuit === "half-open" ? "a trial call is in flight; calls resume if it succeeds" : `it lets one trial call through at ${when} (in ${Math.ceil(wait / 1000)} s)`;
    return new ThreadspaceError("plugin_unavailable", `is disabled by the engine's circuit breaker: ${monitor.reason}; ${retry}. engine.health("${runner.name}") has the details.`, { plugin: runner.name });
  }

  /**
   * Starts observing a runner's calls (the engine calls it when a plugin starts): every counted
   * call it runs (from `engine.call` or another plugin's `ts_plugin_call`) is recorded in the
   * reaction that settles it, with no extra promise per call.
   */
  attach(runner: PluginRunner): void {
    const monitor = this.#of(runner);
    monitor.history = this.#historyOf(runner.name);
    runner.observer = (ms, error, caller) => this.#record(runner, monitor, ms, error, caller);
  }

  #historyOf(name: string): MutableHistory {
    let history = this.#histories.get(name);
    if (history === undefined) {
      history = { calls: 0, errors: 0, timeouts: 0, circuitOpens: 0, since: Date.now(), dirty: false };
      this.#histories.set(name, history);
      this.#touch(name, history);
    }
    return history;
  }

  #touch(name: string, history: MutableHistory): void {
    if (history.dirty) return;
    history.dirty = true;
    const first = this.#changed.size === 0;
    this.#changed.add(name);
    if (first) this.onHistoryChange?.();
  }

  /** A plugin's health history (undefined before it was first loaded). */
  history(name: string): HealthHistory | undefined {
    const history = this.#histories.get(name);
    if (history === undefined) return undefined;
    const { dirty: _dirty, ...copy } = history;
    return copy;
  }

  /** Loads stored histories (at start, before any plugin is loaded). */
  restoreHistory(rows: Iterable<readonly [name: string, history: HealthHistory]>): void {
    for (const [name, row] of rows) this.#histories.set(name, { ...row, dirty: false });
  }

  /** Forgets an uninstalled plugin's history (its stored row is deleted with its bundle). */
  forget(name: string): void {
    this.#histories.delete(name);
    this.#changed.delete(name);
  }

  /** The histories changed since the last call, by plugin name; they count as clean from now on. */
  takeHistoryChanges(): Map<string, HealthHistory> {
    const out = new Map<string, HealthHistory>();
    for (const name of this.#changed) {
      const history = this.#histories.get(name);
      if (history === undefined) continue;
      history.dirty = false;
      const { dirty: _dirty, ...copy } = history;
      out.set(name, copy);
    }
    this.#changed.clear();
    return out;
  }

  /** Marks histories changed again (their storing failed): the next change stores them too. */
  retryHistory(names: Iterable<string>): void {
    for (const name of names) {
      const history = this.#histories.get(name);
      if (history !== undefined && !history.dirty) {
        history.dirty = true;
        this.#changed.add(name);
      }
    }
  }

  #record(runner: PluginRunner, monitor: PluginMonitor, ms: number, error: unknown, caller?: string): void {
    const code = error === undefined ? undefined : isThreadspaceError(error) ? error.code : "plugin_error";
    if (code !== undefined && NOT_COUNTED.has(code)) {
      if (monitor.trialInFlight) this.#failed(runner, monitor, `the trial call failed (${messageOf(error)})`);
      return;
    }
    monitor.calls++;
    const history = monitor.history;
    if (history !== undefined) {
      history.calls++;
      if (!history.dirty) this.#touch(runner.name, history);
    }
    const failed = code !== undefined && FAILURE_CODES.has(code);
    monitor.window.add(ms, code !== undefined);
    if (code === undefined) {
      this.#succeeded(runner, monitor);
      return;
    }
    monitor.errors++;
    monitor.lastError = messageOf(error);
    monitor.lastErrorCode = code;
    monitor.lastErrorAt = Date.now();
    if (code === "timeout") monitor.timeouts++;
    if (history !== undefined) {
      history.errors++;
      history.lastError = monitor.lastError.length > MAX_HISTORY_ERROR_CHARS ? `${monitor.lastError.slice(0, MAX_HISTORY_ERROR_CHARS)}...` : monitor.lastError;
      history.lastErrorCode = code;
      history.lastErrorAt = monitor.lastErrorAt;
      if (code === "timeout") history.timeouts++;
    }
    // Issue 10 item 10: a dependent's input must not disable the callee for everyone. Its calls
    // (ts_plugin_call) that fail are counted in the stats but never open the circuit (a success still shows the plugin works).
    if (caller !== undefined) {
      if (monitor.trialInFlight) monitor.trialInFlight = false;
      return;
    }
    if (failed) this.#failed(runner, monitor, `${code}: ${monitor.lastError}`);
    else this.#succeeded(runner, monitor); // The plugin answered (e.g. plugin_error for bad input): it works.
  }

  #succeeded(runner: PluginRunner, monitor: PluginMonitor): void {
    monitor.consecutiveFailures = 0;
    monitor.trialInFlight = false;
    if (monitor.circuit !== "closed") {
      monitor.circuit = "closed";
      runner.circuitClosed = true;
      monitor.opens = 0;
      monitor.reason = "";
      this.#notify("plugin.circuit", { name: runner.name, state: "closed" });
    }
  }

  #failed(runner: PluginRunner, monitor: PluginMonitor, why: string): void {
    monitor.consecutiveFailures++;
    const breaker = this.#breaker;
    if (breaker === undefined) return;
    const trial = monitor.trialInFlight;
    monitor.trialInFlight = false;
    if (!trial && (monitor.circuit !== "closed" || monitor.consecutiveFailures < breaker.failures)) return;
    monitor.opens++;
    if (monitor.history !== undefined) {
      monitor.history.circuitOpens++;
      this.#touch(runner.name, monitor.history);
    }
    const wait = Math.min(breaker.maxRetryAfterMs, breaker.retryAfterMs * 2 ** (monitor.opens - 1));
    monitor.circuit = "open";
    runner.circuitClosed = false;
    monitor.retryAt = Date.now() + wait;
    monitor.reason = `${trial ? "its trial call failed after " : ""}${monitor.consecutiveFailures} consecutive failures of ${runner.name} (last: ${why.length > 300 ? `${why.slice(0, 300)}...` : why})`;
    this.#notify("plugin.circuit", { name: runner.name, state: "open", reason: monitor.reason, retryAt: monitor.retryAt });
  }

  /**
   * Asks the plugin's `health_check` with the monitor's timeout (a check that does not answer
   * in time is `unhealthy`; in worker isolation the call's own timeout also stops it). Never throws.
   * `record`: count a check that failed to answer as a failure (polling does).
   */
  async check(runner: PluginRunner, record = false): Promise<{ status: HealthStatus; message: string; metrics: Record<string, unknown> }> {
    const monitor = this.#of(runner);
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#timeoutMs);
    });
    // `checking` stays set until the plugin answers (or its call is stopped), not just until the
    // timeout: polls never pile up behind a health_check that hangs.
    monitor.checking = true;
    const asked = checkHealth(runner).finally(() => {
      monitor.checking = false;
    });
    const answered = await Promise.race([asked, timeout]);
    clearTimeout(timer);
    const report = answered ?? { status: "unhealthy" as const, message: `health_check did not answer within ${this.#timeoutMs} ms (healthCheckTimeoutMs)`, metrics: {} };
    const failedToAnswer = answered === undefined || /^health_check failed/.test(report.message);
    monitor.lastCheck = { at: Date.now(), status: report.status, message: report.message, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
    if (record && monitor.history !== undefined) {
      monitor.history.lastCheck = { at: monitor.lastCheck.at, status: report.status, message: report.message.slice(0, MAX_HISTORY_ERROR_CHARS) };
      this.#touch(runner.name, monitor.history);
    }
    if (record && failedToAnswer && runner.exports.has("health_check")) this.#failed(runner, monitor, report.message);
    if (record) {
      const derived = this.derive(runner, report);
      const previous = monitor.lastStatus;
      monitor.lastStatus = derived.status;
      if (derived.status !== previous) this.#notify("plugin.health", { name: runner.name, status: derived.status, previous, message: derived.message });
    }
    return report;
  }

  /** What the engine observed of the plugin run by `runner`. */
  observations(runner: PluginRunner): EngineObservations {
    const monitor = this.#of(runner);
    const circuit: CircuitState = {
      state: monitor.circuit,
      consecutiveFailures: monitor.consecutiveFailures,
      ...(monitor.circuit === "closed" ? {} : { retryAt: monitor.retryAt, reason: monitor.reason }),
    };
    const pages = runner.memoryPages;
    return {
      calls: runner.stats.calls,
      errors: runner.stats.errors,
      ...(runner.stats.lastError === undefined ? {} : { lastError: runner.stats.lastError }),
      ...(monitor.lastErrorCode === undefined ? {} : { lastErrorCode: monitor.lastErrorCode }),
      ...(monitor.lastErrorAt === undefined ? {} : { lastErrorAt: monitor.lastErrorAt }),
      timeouts: Math.max(monitor.timeouts, runner.isolationStats?.timeouts ?? 0),
      errorRate: Math.round(monitor.window.errorRate() * 1000) / 1000,
      latencyMs: monitor.window.percentiles(),
      memoryPages: pages === undefined ? null : pages,
      uptimeMs: Date.now() - runner.startedAt,
      restarts: runner.isolationStats?.restarts ?? 0,
      circuit,
      ...(monitor.lastCheck === undefined ? {} : { lastCheck: monitor.lastCheck }),
      ...(monitor.history === undefined ? {} : { history: this.history(runner.name) as HealthHistory }),
    };
  }

  /**
   * The status from the plugin's own report and the engine's observations, worst first: an open
   * circuit or an error rate of {@link UNHEALTHY_ERROR_RATE} is `unhealthy`; recent consecutive
   * failures or an error rate of {@link DEGRADED_ERROR_RATE} is `degraded` (over at least 10 calls).
   */
  derive(runner: PluginRunner, reported: { status: HealthStatus; message: string }): { status: HealthStatus; message: string } {
    const monitor = this.#of(runner);
    const notes: string[] = [];
    let status: HealthStatus = reported.status;
    const worse = (next: HealthStatus, note: string): void => {
      notes.push(note);
      if (next === "unhealthy" || (next === "degraded" && status === "healthy")) status = next;
    };
    if (monitor.circuit !== "closed") worse("unhealthy", `the circuit breaker is ${monitor.circuit}: ${monitor.reason}`);
    const rate = monitor.window.errorRate();
    if (monitor.window.size >= MIN_SAMPLES && rate >= UNHEALTHY_ERROR_RATE) worse("unhealthy", `${Math.round(rate * 100)}% of its last ${monitor.window.size} calls failed`);
    else if (monitor.window.size >= MIN_SAMPLES && rate >= DEGRADED_ERROR_RATE) worse("degraded", `${Math.round(rate * 100)}% of its last ${monitor.window.size} calls failed`);
    if (monitor.circuit === "closed" && monitor.consecutiveFailures > 0) worse("degraded", `its last ${monitor.consecutiveFailures} call${monitor.consecutiveFailures === 1 ? "" : "s"} failed`);
    if (notes.length === 0) return reported;
    return { status, message: [reported.message, ...notes.map((note) => `engine: ${note}`)].filter((part) => part !== "").join("; ") };
  }

  /** Starts polling `health_check` of the plugins `runners()` returns (no-op when the interval is 0). */
  start(runners: () => Iterable<PluginRunner>): void {
    if (this.intervalMs === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      for (const runner of runners()) {
        if (!runner.exports.has("health_check")) continue;
        const monitor = this.#of(runner);
        if (monitor.checking || monitor.circuit !== "closed") continue;
        void this.check(runner, true);
      }
    }, this.intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops polling. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
