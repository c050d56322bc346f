import { messageOf } from "@threadspace/errors";
import type { PluginRunner } from "../calls/plugin-runner.ts";
import type { EngineObservations } from "./monitor.ts";

/** Health states, from the guide's `health_check`. */
/** The statuses a health report can have, best first. */
export const HEALTH_STATUSES = ["healthy", "degraded", "unhealthy"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** What `engine.health(name)` reports. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly message: string;
  /** The plugin's own metrics from `health_check`. */
  readonly metrics: Record<string, unknown>;
  /**
   * What the engine counted and observed for this plugin since it was loaded: `calls`, `errors`,
   * `lastError` always; for a loaded plugin also timeouts, latency percentiles, error rate,
   * memory pages, uptime, restarts, the circuit breaker and the last polled check.
   */
  readonly engine: { readonly calls: number; readonly errors: number; readonly lastError?: string } & Partial<Omit<EngineObservations, "calls" | "errors" | "lastError">>;
}

const STATUSES = new Set<string>(HEALTH_STATUSES);
const decoder = new TextDecoder();

export type PluginHealth = Pick<HealthReport, "status" | "message" | "metrics">;

function parseHealth(text: string): PluginHealth {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: "unhealthy", message: `health_check output is not JSON: ${JSON.stringify(text.slice(0, 80))}`, metrics: {} };
  }
  const report = (typeof value === "object" && value !== null ? value : {}) as { status?: unknown; message?: unknown; metrics?: unknown };
  if (typeof report.status !== "string" || !STATUSES.has(report.status)) {
    return { status: "unhealthy", message: `health_check must output {"status": "healthy" | "degraded" | "unhealthy", ...}; got status ${JSON.stringify(report.status)}`, metrics: {} };
  }
  const metrics = typeof report.metrics === "object" && report.metrics !== null && !Array.isArray(report.metrics) ? { ...(report.metrics as Record<string, unknown>) } : {};
  return { status: report.status as HealthStatus, message: typeof report.message === "string" ? report.message : "", metrics };
}

/** A plugin's answer to `health_check`, and whether it answered at all (a check that failed to run counts against it). */
export interface HealthAnswer {
  readonly report: PluginHealth;
  /** False when `health_check` failed to run (trapped, timed out, ...). */
  readonly answered: boolean;
}

/** Asks the plugin's `health_check` (when it has one); a failing check is `unhealthy`, never a throw. */
export async function checkHealth(runner: PluginRunner): Promise<HealthAnswer> {
  if (!runner.exports.has("health_check")) {
    return { report: { status: "healthy", message: "loaded and serving calls (the plugin has no health_check export)", metrics: {} }, answered: true };
  }
  try {
    return { report: parseHealth(decoder.decode(await runner.callBytes("health_check"))), answered: true };
  } catch (cause) {
    return { report: { status: "unhealthy", message: `health_check failed: ${messageOf(cause)}`, metrics: {} }, answered: false };
  }
}
