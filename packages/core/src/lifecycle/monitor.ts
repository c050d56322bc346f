import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import type { PluginRunner } from "../calls/plugin-runner.ts";
import { CircuitBreaker, type CircuitBreakerSettings, type CircuitStateName } from "../health/circuit-breaker.ts";
import { HealthHistories, type HealthHistory } from "../health/health-history.ts";
import { LatencyWindow, type LatencyPercentiles } from "../health/latency-window.ts";
import { Poller } from "../health/poller.ts";
import { checkHealth, type HealthStatus, type PluginHealth } from "./health.ts";
import type { FuelSummary } from "../fuel/fuel-window.ts";

export type { HealthHistory } from "../health/health-history.ts";
export type { LatencyPercentiles } from "../health/latency-window.ts";

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

/** The circuit breaker's state: `closed` (serving), `open` (calls fail fast), `half-open` (one trial call). */
export interface CircuitState {
  readonly state: CircuitStateName;
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
  /** Fuel per call (p50/p95/max over the last calls, and the total) when the plugin is metered; null otherwise. */
  readonly fuel: FuelSummary | null;
  /** Guest memory in pages (inline; in a worker as of its last call, where the transport reports it); null where it cannot be read. */
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
const FAILURE_CODES = new Set(["plugin_trap", "timeout", "memory_limit", "fuel_exhausted"]);
/** Codes that are not the plugin's doing and are not counted at all. */
const NOT_COUNTED = new Set(["busy", "plugin_unavailable", "engine_closed", "plugin_not_found"]);

/** One running instance's observations (a reload starts afresh). */
class PluginObservations {
  readonly window = new LatencyWindow(LATENCY_WINDOW);
  readonly breaker: CircuitBreaker;
  timeouts = 0;
  lastErrorCode: string | undefined;
  lastErrorAt: number | undefined;
  lastCheck: EngineObservations["lastCheck"];
  /** The derived status after the last polled check (a change is published as `plugin.health`). */
  lastStatus: HealthStatus = "healthy";
  checking = false;

  constructor(breaker: CircuitBreaker) {
    this.breaker = breaker;
  }
}

function breakerSettings(breaker: CircuitBreakerOptions | false | undefined): CircuitBreakerSettings | undefined {
  if (breaker === false) return undefined;
  const failures = breaker?.failures ?? DEFAULT_FAILURES;
  const retryAfterMs = breaker?.retryAfterMs ?? DEFAULT_RETRY_MS;
  const maxRetryAfterMs = breaker?.maxRetryAfterMs ?? retryAfterMs * 8;
  if (!Number.isSafeInteger(failures) || failures < 1) throw new RangeError(`circuitBreaker.failures must be a whole number of at least 1; got ${String(failures)}`);
  if (!Number.isFinite(retryAfterMs) || retryAfterMs <= 0) throw new RangeError(`circuitBreaker.retryAfterMs must be a positive number of ms; got ${String(retryAfterMs)}`);
  if (!Number.isFinite(maxRetryAfterMs) || maxRetryAfterMs < retryAfterMs) throw new RangeError(`circuitBreaker.maxRetryAfterMs must be at least retryAfterMs; got ${String(maxRetryAfterMs)}`);
  return { failures, retryAfterMs, maxRetryAfterMs };
}

/**
 * Health monitoring of one engine's plugins, composed of small parts: a {@link LatencyWindow}
 * (latency percentiles and error rate), a {@link CircuitBreaker} per running plugin, the
 * {@link HealthHistories} stored behind the calls, and a {@link Poller} of `health_check`. It
 * observes every counted call a runner settles, derives healthy / degraded / unhealthy from the
 * plugin's report and these observations, and publishes changes.
 */
export class HealthMonitor {
  readonly #observed = new WeakMap<PluginRunner, PluginObservations>();
  readonly #timeoutMs: number;
  readonly #breaker: CircuitBreakerSettings | undefined;
  readonly #poller: Poller<PluginRunner>;
  readonly #histories = new HealthHistories();
  readonly #notify: (topic: string, payload: Record<string, unknown>) => void;

  /**
   * `notify` publishes what changed: `plugin.circuit` `{ name, state, reason?, retryAt? }` when a
   * circuit opens or closes, `plugin.health` `{ name, status, previous, message }` when a polled
   * check changes the derived status.
   */
  constructor(options: HealthOptions = {}, notify: (topic: string, payload: Record<string, unknown>) => void = () => undefined) {
    this.#notify = notify;
    const timeout = options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.#poller = new Poller(options.healthCheckIntervalMs ?? 0);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError(`healthCheckTimeoutMs must be a positive number of ms; got ${String(timeout)}`);
    this.#timeoutMs = timeout;
    this.#breaker = breakerSettings(options.circuitBreaker);
  }

  /** How often `health_check` is polled, in ms (0: never). */
  get intervalMs(): number {
    return this.#poller.intervalMs;
  }

  #of(runner: PluginRunner): PluginObservations {
    let observed = this.#observed.get(runner);
    if (observed === undefined) {
      observed = new PluginObservations(new CircuitBreaker(this.#breaker));
      this.#observed.set(runner, observed);
    }
    return observed;
  }

  /**
   * Whether a call may go to the plugin now: undefined, or the `plugin_unavailable` error of an
   * open circuit. Past the back-off, the first call is let through as the trial.
   */
  admit(runner: PluginRunner): ThreadspaceError | undefined {
    const breaker = this.#observed.get(runner)?.breaker;
    if (breaker === undefined || breaker.admit()) return undefined;
    const when = new Date(breaker.retryAt).toISOString();
    const wait = Math.max(0, breaker.retryAt - Date.now());
    const retry = breaker.state === "half-open" ? "a trial call is in flight; calls resume if it succeeds" : `it lets one trial call through at ${when} (in ${Math.ceil(wait / 1000)} s)`;
    return new ThreadspaceError("plugin_unavailable", `is disabled by the engine's circuit breaker: ${breaker.reason}; ${retry}. engine.health("${runner.name}") has the details.`, { plugin: runner.name });
  }

  /**
   * Starts observing a runner's calls (the engine calls it when a plugin starts): every counted
   * call it runs (from `engine.call` or another plugin's `ts_plugin_call`) is recorded in the
   * reaction that settles it, with no extra promise per call.
   */
  attach(runner: PluginRunner): void {
    const observed = this.#of(runner);
    this.#histories.open(runner.name);
    runner.observe((ms, error, caller) => this.#record(runner, observed, ms, error, caller));
  }

  /** A plugin's health history (undefined before it was first loaded). */
  history(name: string): HealthHistory | undefined {
    return this.#histories.get(name);
  }

  /** Tells `listener` when a history changes while none was pending (the journal stores them behind, in one batch). */
  watchHistory(listener: () => void): void {
    this.#histories.watch(listener);
  }

  /** Loads stored histories (at start, before any plugin is loaded). */
  restoreHistory(rows: Iterable<readonly [name: string, history: HealthHistory]>): void {
    this.#histories.restore(rows);
  }

  /** Forgets an uninstalled plugin's history (its stored row is deleted with its bundle). */
  forget(name: string): void {
    this.#histories.forget(name);
  }

  /** The histories changed since the last call, by plugin name; they count as clean from now on. */
  takeHistoryChanges(): Map<string, HealthHistory> {
    return this.#histories.takeChanges();
  }

  /** Marks histories changed again (their storing failed): the next change stores them too. */
  retryHistory(names: Iterable<string>): void {
    this.#histories.retry(names);
  }

  #record(runner: PluginRunner, observed: PluginObservations, ms: number, error: unknown, caller?: string): void {
    const code = error === undefined ? undefined : isThreadspaceError(error) ? error.code : "plugin_error";
    if (code !== undefined && NOT_COUNTED.has(code)) {
      if (observed.breaker.trialInFlight) this.#failed(runner, observed, `the trial call failed (${messageOf(error)})`);
      return;
    }
    this.#histories.recordCall(runner.name);
    observed.window.add(ms, code !== undefined);
    if (code === undefined) {
      this.#succeeded(runner, observed);
      return;
    }
    const message = messageOf(error);
    observed.lastErrorCode = code;
    observed.lastErrorAt = Date.now();
    if (code === "timeout") observed.timeouts++;
    this.#histories.recordError(runner.name, code, message, observed.lastErrorAt);
    // Issue 10 item 10: a dependent's input must not disable the callee for everyone. Calls made
    // through ts_plugin_call that fail are counted in the stats but never move the breaker.
    if (caller !== undefined) return;
    if (FAILURE_CODES.has(code)) this.#failed(runner, observed, `${code}: ${message}`);
    else this.#succeeded(runner, observed); // The plugin answered (e.g. plugin_error for bad input): it works.
  }

  #succeeded(runner: PluginRunner, observed: PluginObservations): void {
    if (observed.breaker.succeeded()) this.#notify("plugin.circuit", { name: runner.name, state: "closed" });
  }

  #failed(runner: PluginRunner, observed: PluginObservations, why: string): void {
    const breaker = observed.breaker;
    if (!breaker.failed(why)) return;
    this.#histories.recordCircuitOpen(runner.name);
    this.#notify("plugin.circuit", { name: runner.name, state: "open", reason: breaker.reason, retryAt: breaker.retryAt });
  }

  /**
   * Asks the plugin's `health_check` with the monitor's timeout (a check that does not answer
   * in time is `unhealthy`; in worker isolation the call's own timeout also stops it). Never throws.
   * `record`: count a check that failed to answer as a failure (polling does).
   */
  async check(runner: PluginRunner, record = false): Promise<PluginHealth> {
    const observed = this.#of(runner);
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#timeoutMs);
    });
    // `checking` stays set until the plugin answers (or its call is stopped), not just until the
    // timeout: polls never pile up behind a health_check that hangs.
    observed.checking = true;
    const asked = checkHealth(runner).finally(() => {
      observed.checking = false;
    });
    const answer = await Promise.race([asked, timeout]);
    clearTimeout(timer);
    const report = answer?.report ?? { status: "unhealthy" as const, message: `health_check did not answer within ${this.#timeoutMs} ms (healthCheckTimeoutMs)`, metrics: {} };
    const failedToAnswer = answer === undefined || !answer.answered;
    observed.lastCheck = { at: Date.now(), status: report.status, message: report.message, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
    if (!record) return report;
    this.#histories.recordCheck(runner.name, observed.lastCheck);
    if (failedToAnswer && runner.exports.has("health_check")) this.#failed(runner, observed, report.message);
    const derived = this.derive(runner, report);
    const previous = observed.lastStatus;
    observed.lastStatus = derived.status;
    if (derived.status !== previous) this.#notify("plugin.health", { name: runner.name, status: derived.status, previous, message: derived.message });
    return report;
  }

  /** What the engine observed of the plugin run by `runner`. */
  observations(runner: PluginRunner): EngineObservations {
    const observed = this.#of(runner);
    const breaker = observed.breaker;
    const circuit: CircuitState = {
      state: breaker.state,
      consecutiveFailures: breaker.consecutiveFailures,
      ...(breaker.closed ? {} : { retryAt: breaker.retryAt, reason: breaker.reason }),
    };
    const pages = runner.memoryPages;
    const history = this.#histories.get(runner.name);
    return {
      calls: runner.stats.calls,
      errors: runner.stats.errors,
      ...(runner.stats.lastError === undefined ? {} : { lastError: runner.stats.lastError }),
      ...(observed.lastErrorCode === undefined ? {} : { lastErrorCode: observed.lastErrorCode }),
      ...(observed.lastErrorAt === undefined ? {} : { lastErrorAt: observed.lastErrorAt }),
      timeouts: Math.max(observed.timeouts, runner.isolationStats?.timeouts ?? 0),
      errorRate: Math.round(observed.window.errorRate() * 1000) / 1000,
      latencyMs: observed.window.percentiles(),
      fuel: runner.fuelStats ?? null,
      memoryPages: pages === undefined ? null : pages,
      uptimeMs: Date.now() - runner.startedAt,
      restarts: runner.isolationStats?.restarts ?? 0,
      circuit,
      ...(observed.lastCheck === undefined ? {} : { lastCheck: observed.lastCheck }),
      ...(history === undefined ? {} : { history }),
    };
  }

  /**
   * The status from the plugin's own report and the engine's observations, worst first: an open
   * circuit or an error rate of {@link UNHEALTHY_ERROR_RATE} is `unhealthy`; recent consecutive
   * failures or an error rate of {@link DEGRADED_ERROR_RATE} is `degraded` (over at least 10 calls).
   */
  derive(runner: PluginRunner, reported: { status: HealthStatus; message: string }): { status: HealthStatus; message: string } {
    const observed = this.#of(runner);
    const breaker = observed.breaker;
    const notes: string[] = [];
    let status: HealthStatus = reported.status;
    const worse = (next: HealthStatus, note: string): void => {
      notes.push(note);
      if (next === "unhealthy" || (next === "degraded" && status === "healthy")) status = next;
    };
    if (!breaker.closed) worse("unhealthy", `the circuit breaker is ${breaker.state}: ${breaker.reason}`);
    const { window } = observed;
    const rate = window.errorRate();
    if (window.size >= MIN_SAMPLES && rate >= UNHEALTHY_ERROR_RATE) worse("unhealthy", `${Math.round(rate * 100)}% of its last ${window.size} calls failed`);
    else if (window.size >= MIN_SAMPLES && rate >= DEGRADED_ERROR_RATE) worse("degraded", `${Math.round(rate * 100)}% of its last ${window.size} calls failed`);
    if (breaker.closed && breaker.consecutiveFailures > 0) worse("degraded", `its last ${breaker.consecutiveFailures} call${breaker.consecutiveFailures === 1 ? "" : "s"} failed`);
    if (notes.length === 0) return reported;
    return { status, message: [reported.message, ...notes.map((note) => `engine: ${note}`)].filter((part) => part !== "").join("; ") };
  }

  /** Starts polling `health_check` of the plugins `runners()` returns (no-op when the interval is 0). */
  start(runners: () => Iterable<PluginRunner>): void {
    this.#poller.start(
      runners,
      (runner) => {
        if (!runner.exports.has("health_check")) return false;
        const observed = this.#of(runner);
        return !observed.checking && observed.breaker.closed;
      },
      (runner) => void this.check(runner, true),
    );
  }

  /** Stops polling. */
  stop(): void {
    this.#poller.stop();
  }
}
