import type { PermissionName } from "@threadspace/manifest";
import type { PluginRunner } from "../calls/plugin-runner.ts";
import type { LogLevel } from "../engine-options.ts";
import type { EffectiveLimits } from "../limits/limits-policy.ts";
import type { PluginInfo } from "../plugin-info.ts";
import type { WorkerStats } from "../isolation/worker-supervisor.ts";
import type { Placement } from "../isolation/placement.ts";
import type { HealthStatus } from "./health.ts";
import type { EngineObservations, HealthMonitor } from "./monitor.ts";

/** What `engine.debugInfo(name)` returns (the guide's `debug_info`, seen from the host). */
export interface DebugInfo {
  readonly name: string;
  readonly version: string;
  readonly state: PluginInfo["state"];
  /**
   * The status from the last polled `health_check` (or `healthy` before any) and the engine's
   * observations; `engine.health(name)` asks the plugin now instead.
   */
  readonly status: HealthStatus;
  readonly message: string;
  /** Calls, errors, timeouts, latency, memory pages, uptime, restarts, circuit; undefined when not loaded. */
  readonly engine: EngineObservations | undefined;
  /** Calls waiting behind the running one. */
  readonly queueDepth: number;
  /**
   * Where it runs now (as `engine.get(name).isolation`: `mode`, and pooled its `pool` and pool
   * `worker` number) and the notes of that decision (a fallback, ...).
   */
  readonly isolation: Placement & { readonly notes: readonly string[] };
  /** Worker isolation's counters since load (restarts, timeouts, crashes); undefined inline. */
  readonly worker: Readonly<WorkerStats> | undefined;
  readonly limits: EffectiveLimits;
  readonly limitNotes: readonly string[];
  readonly permissions: { readonly requested: readonly PermissionName[]; readonly granted: readonly PermissionName[] };
  readonly logLevel: LogLevel;
  /** The output of the plugin's own `debug_info` export (parsed JSON, else text), when it has one. */
  readonly plugin?: unknown;
}

const decoder = new TextDecoder();

/** Builds {@link DebugInfo} for one plugin; calls its `debug_info` export (bounded by `timeoutMs`) when it has one. */
export async function debugInfo(info: PluginInfo, runner: PluginRunner | undefined, monitor: HealthMonitor, logLevel: LogLevel, timeoutMs: number): Promise<DebugInfo> {
  const engine = runner === undefined ? undefined : monitor.observations(runner);
  const last = engine?.lastCheck;
  const derived =
    runner === undefined
      ? { status: "unhealthy" as const, message: info.state === "disabled" ? "disabled by its config (enabled: false)" : "installed but not loaded" }
      : monitor.derive(runner, last === undefined ? { status: "healthy", message: "" } : { status: last.status, message: last.message });
  let plugin: unknown;
  let hasPlugin = false;
  if (runner?.exports.has("debug_info") === true) {
    hasPlugin = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`debug_info did not answer within ${timeoutMs} ms`), timeoutMs);
    });
    const text = await Promise.race([
      runner.callBytes("debug_info").then(
        (bytes) => decoder.decode(bytes),
        (error: unknown) => `debug_info failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
      timeout,
    ]);
    clearTimeout(timer);
    try {
      plugin = JSON.parse(text);
    } catch {
      plugin = text;
    }
  }
  return {
    name: info.name,
    version: info.version,
    state: info.state,
    status: derived.status,
    message: derived.message,
    engine,
    queueDepth: runner?.queued ?? 0,
    isolation: { ...info.isolation, notes: runner === undefined ? info.limitNotes : runner.isolation.notes },
    worker: runner?.isolationStats,
    limits: info.limits,
    limitNotes: info.limitNotes,
    permissions: { requested: info.permissions, granted: info.granted },
    logLevel,
    ...(hasPlugin ? { plugin } : {}),
  };
}
