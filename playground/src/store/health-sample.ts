/**
 * Health over time: the engine keeps totals and a window of the last calls (p50/p95 latency, error
 * rate, fuel); the playground samples them whenever a plugin's call count moves, and keeps the
 * results of the health checks it asks for, so the Health tab can chart them across reloads.
 */
import type { DebugInfo, HealthReport } from "@threadspace/core";
import { playgroundDb, trim } from "./playground-db.ts";

/** Samples kept per plugin. */
export const SAMPLES_KEPT = 300;

export type HealthSample =
  | {
      readonly id?: number;
      readonly kind: "stats";
      readonly plugin: string;
      readonly at: number;
      readonly calls: number;
      readonly errors: number;
      readonly errorRate: number;
      readonly p50: number | null;
      readonly p95: number | null;
      readonly fuelP50: number | null;
      readonly circuit: string;
      readonly status: string;
    }
  | {
      readonly id?: number;
      readonly kind: "check";
      readonly plugin: string;
      readonly at: number;
      readonly status: string;
      readonly message: string;
      readonly durationMs: number;
    };

export type StatsSample = Extract<HealthSample, { kind: "stats" }>;
export type CheckSample = Extract<HealthSample, { kind: "check" }>;

/** A stats sample from `engine.debugInfo`, or undefined when the plugin is not loaded. */
export function statsSample(info: DebugInfo, at: number): StatsSample | undefined {
  const seen = info.engine;
  if (seen === undefined) return undefined;
  return {
    kind: "stats",
    plugin: info.name,
    at,
    calls: seen.calls,
    errors: seen.errors,
    errorRate: seen.errorRate,
    p50: seen.latencyMs.p50,
    p95: seen.latencyMs.p95,
    fuelP50: seen.fuel?.p50 ?? null,
    circuit: seen.circuit.state,
    status: info.status,
  };
}

/** A check sample from `engine.health` and how long it took. */
export function checkSample(plugin: string, report: Pick<HealthReport, "status" | "message">, at: number, durationMs: number): CheckSample {
  return { kind: "check", plugin, at, status: report.status, message: report.message, durationMs };
}

/** True when `next` says something `last` did not (more calls, another circuit or status). */
export function changed(last: StatsSample | undefined, next: StatsSample): boolean {
  return last === undefined || last.calls !== next.calls || last.circuit !== next.circuit || last.status !== next.status;
}

/** The samples of every plugin, oldest first. */
export const healthSamples = {
  async add(sample: HealthSample): Promise<void> {
    const db = await playgroundDb();
    await db.add("samples", sample);
    await trim(db, "samples", sample.plugin, SAMPLES_KEPT);
  },
  async list(plugin: string): Promise<HealthSample[]> {
    return (await playgroundDb()).getAllFromIndex("samples", "plugin", plugin);
  },
};
