/**
 * A plugin's Health over time: p50/p95 latency, error rate and fuel per call as charts (samples
 * the playground keeps whenever the plugin's calls move), the engine's counters, the circuit
 * breaker's state and its transitions (`plugin.circuit` events), and the results of
 * `health_check` over time (asked on opening, every 10 s while the tab is open, and on demand).
 * Redrawn after every refresh, so it follows calls live.
 */
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { errorCode } from "../../error-view.ts";
import { checkSample, healthSamples, type CheckSample, type HealthSample, type StatsSample } from "../../store/health-sample.ts";
import { lineChart } from "../../widgets/line-chart.ts";
import { section } from "../../widgets/section.ts";
import type { Page } from "../page.ts";
import { fact } from "./facts.ts";

const POLL_MS = 10_000;
const time = (at: number): string => new Date(at).toLocaleTimeString();

export function healthTab(app: App, name: string): Page {
  const counters = h("dl", { class: "counters" });
  const charts = h("div", { class: "charts" });
  const circuit = h("div", { class: "circuit" });
  const checks = h("ol", { class: "feed checks", reversed: true });
  let disposed = false;

  const draw = async (): Promise<void> => {
    const seen = app.snapshot.debug.get(name);
    const observed = seen?.engine;
    replace(
      counters,
      ...fact("Status", h("span", { class: `health ${seen?.status ?? "unknown"}` }, seen?.status ?? "unknown")),
      ...fact("Calls", observed === undefined ? "not loaded" : `${observed.calls} since load; ${observed.history?.calls ?? observed.calls} since install`),
      ...fact("Errors", observed === undefined ? "—" : `${observed.errors} (${(observed.errorRate * 100).toFixed(1)}% of the last calls), ${observed.timeouts} timeouts`),
      ...fact("Latency", observed?.latencyMs.p50 == null ? "no timed call yet (one call in 8 is timed)" : `p50 ${observed.latencyMs.p50.toFixed(3)} ms, p95 ${observed.latencyMs.p95?.toFixed(3) ?? "—"} ms, p99 ${observed.latencyMs.p99?.toFixed(3) ?? "—"} ms`),
      ...fact("Fuel per call", observed?.fuel?.p50 == null ? "not metered, or no call yet" : `p50 ${observed.fuel.p50.toLocaleString("en")}, p95 ${observed.fuel.p95?.toLocaleString("en") ?? "—"}, max ${observed.fuel.max?.toLocaleString("en") ?? "—"}`),
      ...(observed?.lastError === undefined ? [] : fact("Last error", `${observed.lastErrorCode ?? ""} ${observed.lastError}`)),
    );
    const [samples, recent] = await Promise.all([healthSamples.list(name).catch((): HealthSample[] => []), app.engine.events.recent().catch(() => [])]);
    if (disposed) return;
    const stats = samples.filter((sample): sample is StatsSample => sample.kind === "stats");
    const checked = samples.filter((sample): sample is CheckSample => sample.kind === "check");
    replace(
      charts,
      lineChart({ key: "latency", title: "Latency (ms)", unit: "", series: [
        { label: "p50", className: "series-a", points: stats.map((s) => [s.at, s.p50]) },
        { label: "p95", className: "series-b", points: stats.map((s) => [s.at, s.p95]) },
      ] }),
      lineChart({ key: "errors", title: "Error rate over the last calls (%)", unit: "%", series: [{ label: "error rate", className: "series-c", points: stats.map((s) => [s.at, s.errorRate * 100]) }] }),
      lineChart({ key: "fuel", title: "Fuel per call (p50)", unit: "", series: [{ label: "fuel p50", className: "series-d", points: stats.map((s) => [s.at, s.fuelP50]) }] }),
      lineChart({ key: "calls", title: "Calls since load", unit: "", series: [{ label: "calls", className: "series-a", points: stats.map((s) => [s.at, s.calls]) }] }),
    );
    const transitions = recent.filter((event) => event.topic === "plugin.circuit" && (event.payload as { name?: unknown } | null)?.name === name);
    const state = observed?.circuit;
    replace(
      circuit,
      h("p", {}, "Circuit breaker: ", h("strong", { class: `circuit-state ${state?.state ?? "none"}` }, state?.state ?? "not loaded"), state === undefined ? "" : `, ${state.consecutiveFailures} consecutive failures${state.retryAt === undefined ? "" : `, retries at ${time(state.retryAt)}`}`),
      transitions.length === 0
        ? h("p", { class: "empty" }, "No transition yet: it opens after 5 traps, timeouts or fuel exhaustions in a row.")
        : h("ol", { class: "feed" }, ...transitions.reverse().map((event) => h("li", {}, h("time", {}, time(event.at)), ` ${(event.payload as { state?: string }).state ?? "?"} `, (event.payload as { reason?: string }).reason ?? ""))),
    );
    replace(checks, ...(checked.length === 0 ? [h("li", { class: "empty" }, "No health check yet.")] : checked.reverse().map((c) => h("li", {}, h("time", {}, time(c.at)), " ", h("span", { class: `health ${c.status}` }, c.status), ` ${c.message} (${c.durationMs.toFixed(1)} ms)`))));
  };

  const check = async (): Promise<void> => {
    const started = performance.now();
    const report = await app.engine.health(name).catch((error: unknown) => ({ status: "unhealthy" as const, message: `${errorCode(error)}: ${error instanceof Error ? error.message : String(error)}` }));
    await healthSamples.add(checkSample(name, report, Date.now(), performance.now() - started)).catch(() => undefined);
    if (!disposed) await draw();
  };
  const timer = setInterval(() => void check(), POLL_MS);
  void check();

  const element = h(
    "div",
    { class: "health-tab" },
    section("health-now", "Now", counters, h("p", {}, h("button", { type: "button", onclick: () => void check(), "aria-label": `Check health of ${name}` }, "Run health_check now"))),
    section("health-charts", "Over time", charts),
    section("health-circuit", "Circuit breaker", circuit),
    section("health-checks", "health_check results", checks),
  );
  return {
    element,
    update: () => void draw(),
    dispose: () => {
      disposed = true;
      clearInterval(timer);
    },
  };
}
