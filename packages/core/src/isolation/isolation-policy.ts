import { ThreadspaceError } from "@threadspace/errors";
import type { Isolation, ResolvedLimits } from "../limits/limits-policy.ts";
import type { EnginePoolOptions } from "./pool/pool-options.ts";

/**
 * The engine's isolation options: `createEngine({ isolation })`. Which plugins run in a worker
 * is decided by `limits.isolation` (plugin.json's, under the host's policy: `limits: { isolation:
 * "worker" }` moves every plugin, `limits: { defaults: { isolation: "worker" } }` is the default
 * for plugins that do not ask).
 */
export interface EngineIsolationOptions extends EnginePoolOptions {
  /**
   * What to do with a plugin that should run in a worker where this runtime cannot start one
   * (a browser page that is not `crossOriginIsolated`; workerd):
   * - `"fail"` (default): its install (or load) fails with `init_failed`, saying how to fix it;
   * - `"inline"`: it runs inline, with a note in `engine.get(name).limitNotes` and a warning
   *   in the engine's logger. Its `timeoutMs` is then not enforced.
   */
  readonly whenWorkerUnavailable?: "fail" | "inline";
  /**
   * Worker mode: calls between two `reset()`s of Extism's host buffers (done while the plugin is
   * idle). Default 16: @extism/extism rc13 fails after 16,383 calls without a reset, and its
   * calls slow down as freed buffer slots pile up between resets (see bench/isolation).
   */
  readonly resetEvery?: number;
  /**
   * Most plugin workers the engine runs at once (the guide's MAX_THREADS), pool workers
   * included. A worker-isolated plugin takes one when its worker starts (install, load, the
   * restart after a timeout or a crash) and gives it back when that worker stops (unload,
   * timeout, crash); with none free, starting waits until one is given back, first come first
   * served: an install or a call waits, it does not fail. A pool worker takes one too: a pool
   * waits for a slot only for its first worker and starts more (up to its size) only while a
   * slot is free at once; otherwise its plugins share the workers it has. Default: no cap.
   */
  readonly maxWorkers?: number;
  /**
   * How a worker-isolated plugin is called:
   * - `"bridge"` (default where `Atomics.waitAsync` exists: Node, Chromium, workerd): Extism runs
   *   inline inside a worker of ours and each call crosses threads through one SharedArrayBuffer
   *   (about 3-4× an inline call, see BENCHMARKS.md);
   * - `"extism"`: Extism's own `runInWorker` (postMessage and a buffer copy per call; about 15-30×
   *   an inline call, and a `reset()` every `resetEvery` calls). The fallback where the bridge
   *   cannot run (no `Atomics.waitAsync`, e.g. Firefox today).
   */
  readonly transport?: "bridge" | "extism";
  /**
   * Bridge only: how long each side busy-polls the shared buffer before it sleeps, in µs
   * (adaptive: a side that keeps waiting longer than its spin halves it, down to 0). Waking a
   * sleeping thread costs about a postMessage; a short spin skips it when the answer is quick.
   * `engine` spends the engine's thread while a call is in flight (default
   * {@link DEFAULT_SPIN_MICROS}.engine), `worker` spends the plugin's worker between calls.
   * `{ engine: 0, worker: 0 }` never spins (least CPU, slowest calls).
   */
  readonly spinMicros?: { readonly engine?: number; readonly worker?: number };
}

/** Default bridge spins (µs): see bench/isolation for the measurements behind them. */
export const DEFAULT_SPIN_MICROS = { engine: 20, worker: 100 } as const;

/** Which worker transport to use: the engine's choice, else the bridge where this runtime can run it. */
export function workerTransport(options: EngineIsolationOptions | undefined, atomics: object = Atomics): "bridge" | "extism" {
  if (options?.transport !== undefined) return options.transport;
  return typeof (atomics as { waitAsync?: unknown }).waitAsync === "function" ? "bridge" : "extism";
}

/** Whether this runtime can run a plugin in a worker, and if not, why. */
export interface WorkerSupport {
  readonly available: boolean;
  /** Why not, for people (empty when available). */
  readonly reason: string;
}

/**
 * What Extism's `runInWorker` needs here: Node's worker_threads (always), or in a browser a
 * `Worker` and a `crossOriginIsolated` page (SharedArrayBuffer).
 */
export function workerSupport(scope: { crossOriginIsolated?: unknown; Worker?: unknown; SharedArrayBuffer?: unknown; process?: unknown } = globalThis): WorkerSupport {
  const proc = scope.process as { versions?: { node?: string } } | undefined;
  if (typeof proc?.versions?.node === "string") return { available: true, reason: "" };
  if (typeof scope.Worker !== "function") return { available: false, reason: "this runtime has no Web Workers (e.g. workerd)" };
  if (scope.crossOriginIsolated !== true || typeof scope.SharedArrayBuffer !== "function") {
    return {
      available: false,
      reason: "the page is not crossOriginIsolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp; a Content-Security-Policy must also allow worker-src 'self', or data: with isolation.transport \"extism\")",
    };
  }
  return { available: true, reason: "" };
}

/** Where a plugin runs, and what was decided on the way. */
export interface IsolationDecision {
  readonly mode: Isolation;
  readonly notes: readonly string[];
}

/**
 * Decides where a plugin runs: its resolved `limits.isolation`, unless it needs a worker
 * (`"worker"`, `"pool"`) and workers are unavailable, which fails (default) or falls back to
 * inline by the engine's explicit `whenWorkerUnavailable: "inline"` (with a note). A pooled
 * plugin where the shared-memory bridge cannot run (transport `"extism"`, no
 * `Atomics.waitAsync`) runs in a worker of its own, with a note. Never silently.
 */
export function decideIsolation(plugin: string, requested: Isolation, options: EngineIsolationOptions = {}, given?: WorkerSupport, atomics: object = Atomics): IsolationDecision {
  if (requested === "inline") return { mode: requested, notes: [] };
  const support = given ?? workerSupport();
  if (support.available) {
    if (requested === "pool" && workerTransport(options, atomics) !== "bridge") {
      return { mode: "worker", notes: [`isolation: asked for "pool", running in a worker of its own because pool workers need the shared-memory bridge (isolation.transport is "extism" here, or Atomics.waitAsync is missing)`] };
    }
    return { mode: requested, notes: [] };
  }
  if (options.whenWorkerUnavailable === "inline") {
    return {
      mode: "inline",
      notes: [`isolation: asked for "${requested}", running "inline" because ${support.reason}; the engine's isolation.whenWorkerUnavailable is "inline". Its timeoutMs is not enforced: nothing can stop a call that never returns`],
    };
  }
  throw new ThreadspaceError(
    "init_failed",
    `must run in a ${requested === "pool" ? "pool worker" : "worker"} (limits.isolation "${requested}"), but ${support.reason}. Fix the runtime, or let such plugins run inline without timeouts: createEngine({ isolation: { whenWorkerUnavailable: "inline" } }).`,
    { plugin },
  );
}

/**
 * The note for a plugin that asked for a `timeoutMs` but runs inline, where it cannot be
 * enforced (a call that never returns blocks the engine's thread for good).
 */
export function inlineTimeoutNote(resolved: ResolvedLimits): string | undefined {
  const { limits, sources } = resolved;
  if (limits.isolation !== "inline" || (sources.timeoutMs !== "plugin" && sources.timeoutMs !== "policy")) return undefined;
  return `timeoutMs: ${limits.timeoutMs} ms is not enforced, because the plugin runs inline, where nothing can stop a call that never returns (it would block the engine's thread). Set limits.isolation to "worker" in plugin.json or in the host's policy to enforce it`;
}

/**
 * Every isolation note of a plugin for `engine.get(name).limitNotes`: the inline-timeout note,
 * and what was decided when it started (a fallback to inline).
 */
export function isolationNotes(resolved: ResolvedLimits, runner: { readonly isolation: IsolationDecision } | undefined, metered = false): string[] {
  const notes: string[] = [];
  // A plugin that asked for "worker" and fell back says so in the runner's own note. A metered
  // plugin's timeout holds inline too (the fuel meter checks it).
  const note = metered ? undefined : inlineTimeoutNote(resolved);
  if (note !== undefined) notes.push(note);
  if (runner !== undefined) notes.push(...runner.isolation.notes);
  return notes;
}
