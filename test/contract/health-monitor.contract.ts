import { createEngine, isThreadspaceError, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture, unmeteredFixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Polls `check` every 20 ms until it holds or `ms` pass. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error code a call rejects with, or "ok". */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return isThreadspaceError(error) ? error.code : String(error);
  }
}

/** Health monitoring: metrics, polled health checks with their own timeout, derived states, the circuit breaker, debugInfo. */
export function healthMonitorContract(env: TestEnv): void {
  describe("health monitoring", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });

    test("health() adds calls, errors, latency percentiles, memory pages, uptime and the circuit to the report", async () => {
      engine = await createEngine({ logger: quiet });
      await engine.install(await fixture(env, "trap"));
      for (let i = 0; i < 3; i++) await engine.call("trap", "echo", "x");
      await expectCode(engine.call("trap", "boom"), "plugin_trap");
      await engine.call("trap", "echo", "y");
      const health = await engine.health("trap");
      expect(health.status).toBe("healthy");
      const observed = health.engine;
      expect(observed).toMatchObject({ calls: 5, errors: 1, timeouts: 0, lastErrorCode: "plugin_trap", restarts: 0, circuit: { state: "closed", consecutiveFailures: 0 } });
      expect(observed.lastError).toMatch(/unreachable/i);
      expect(observed.latencyMs?.samples).toBe(1); // one call in 8 is timed, the first among them
      const { p50, p95, p99 } = observed.latencyMs ?? {};
      expect(typeof p50).toBe("number");
      expect(p95 as number).toBeGreaterThanOrEqual(p50 as number);
      expect(p99 as number).toBeGreaterThanOrEqual(p95 as number);
      expect(observed.memoryPages).toBeGreaterThanOrEqual(1);
      expect(observed.uptimeMs).toBeGreaterThanOrEqual(0);
      expect(observed.errorRate).toBeCloseTo(0.2);
    });

    test("a high error rate makes a plugin that reports healthy degraded; plugin_error does not trip the breaker", async () => {
      engine = await createEngine({ logger: quiet, circuitBreaker: { failures: 2 } });
      await engine.install(await fixture(env, "error-set"));
      for (let i = 0; i < 3; i++) await expectCode(engine.call("error-set", "fail", "x"), "plugin_error");
      for (let i = 0; i < 7; i++) await engine.call("error-set", "echo", "x");
      const health = await engine.health("error-set");
      expect(health.status).toBe("degraded");
      expect(health.message).toMatch(/30% of its last 10 calls failed/);
      expect(health.engine.circuit?.state).toBe("closed");
    });

    test("the circuit breaker opens after N consecutive failures, fails calls fast saying when it retries, and closes after a good trial call", async () => {
      engine = await createEngine({ logger: quiet, circuitBreaker: { failures: 3, retryAfterMs: 500 } });
      const circuit: unknown[] = [];
      engine.events.on("plugin.circuit", (event) => void circuit.push(event.payload));
      await engine.install(await fixture(env, "trap"));
      for (let i = 0; i < 3; i++) await expectCode(engine.call("trap", "boom"), "plugin_trap");
      const error = await expectCode(engine.call("trap", "echo", "x"), "plugin_unavailable");
      expect(error.message).toMatch(/circuit breaker: 3 consecutive failures/);
      expect(error.message).toMatch(/trial call/);
      const health = await engine.health("trap");
      expect(health.status).toBe("unhealthy");
      expect(health.engine.circuit).toMatchObject({ state: "open", consecutiveFailures: 3 });
      expect(health.engine.circuit?.retryAt).toBeGreaterThan(0);
      // Past the back-off one trial goes through; a good one closes the circuit.
      await waitFor(async () => (await outcome(engine!.call("trap", "echo", "x"))) === "ok", "the trial call");
      expect((await engine.health("trap")).engine.circuit).toMatchObject({ state: "closed", consecutiveFailures: 0 });
      expect((await engine.call("trap", "echo", "z")).text()).toBe("z");
      await waitFor(() => circuit.length === 2, "plugin.circuit events");
      expect(circuit).toMatchObject([{ name: "trap", state: "open", reason: expect.stringMatching(/3 consecutive failures/) }, { name: "trap", state: "closed" }]);
    });

    test("a failed trial call opens the circuit again", async () => {
      engine = await createEngine({ logger: quiet, circuitBreaker: { failures: 2, retryAfterMs: 300 } });
      await engine.install(await fixture(env, "trap"));
      for (let i = 0; i < 2; i++) await expectCode(engine.call("trap", "boom"), "plugin_trap");
      await waitFor(async () => (await outcome(engine!.call("trap", "boom"))) === "plugin_trap", "the trial call");
      const error = await expectCode(engine.call("trap", "echo", "x"), "plugin_unavailable");
      expect(error.message).toMatch(/trial call failed/);
      expect((await engine.debugInfo("trap")).engine?.circuit.state).toBe("open");
    });

    test("health_check is polled on an interval; debugInfo shows the last check and the derived status", async () => {
      engine = await createEngine({ logger: quiet, healthCheckIntervalMs: 20 });
      const changes: unknown[] = [];
      engine.events.on("plugin.health", (event) => void changes.push(event.payload));
      await engine.install(await fixture(env, "health"));
      await waitFor(async () => (await engine!.debugInfo("health")).engine?.lastCheck !== undefined, "the first poll");
      expect((await engine.debugInfo("health")).status).toBe("healthy");
      await engine.call("health", "set_health", JSON.stringify({ status: "degraded", message: "slow disk", metrics: {} }));
      await waitFor(async () => (await engine!.debugInfo("health")).status === "degraded", "the degraded report");
      expect((await engine.debugInfo("health")).message).toContain("slow disk");
      await waitFor(() => changes.length > 0, "a plugin.health event");
      expect(changes[0]).toMatchObject({ name: "health", status: "degraded", previous: "healthy", message: "slow disk" });
    });

    test("polled health checks that fail count as failures and open the circuit", async () => {
      engine = await createEngine({ logger: quiet, healthCheckIntervalMs: 20, circuitBreaker: { failures: 2, retryAfterMs: 60_000 } });
      await engine.install(await fixture(env, "health"));
      await engine.call("health", "set_health", "trap");
      await waitFor(async () => (await engine!.debugInfo("health")).engine?.circuit.state === "open", "the circuit to open");
      const error = await expectCode(engine.call("health", "set_health", "{}"), "plugin_unavailable");
      expect(error.message).toMatch(/health_check failed/);
    });

    // Both need a worker, to stop a health_check or a call that never returns: workerd has none.
    test.skipIf(env.runtime === "workerd")("a health_check that does not answer within healthCheckTimeoutMs is unhealthy", async () => {
      engine = await createEngine({ logger: quiet, healthCheckTimeoutMs: 100 });
      await engine.install(await fixture(env, "health", { limits: { isolation: "worker", timeoutMs: 400 } }));
      await engine.call("health", "set_health", "spin");
      const health = await engine.health("health");
      expect(health.status).toBe("unhealthy");
      expect(health.message).toMatch(/did not answer within 100 ms/);
    });

    test.skipIf(env.runtime === "workerd")("debugInfo: queue depth, isolation, limits, permissions, log level; worker counters after a timeout", async () => {
      engine = await createEngine({ logger: quiet, grant: true });
      // Unmetered, so that the timeout terminates the worker (a metered call stops itself and keeps it).
      await engine.install(await unmeteredFixture(env, "isolation"));
      await expectCode(engine.call("isolation", "spin"), "timeout");
      expect((await engine.call("isolation", "echo", "x")).text()).toBe("x");
      engine.setLogLevel("isolation", "debug");
      const info = await engine.debugInfo("isolation");
      expect(info).toMatchObject({ name: "isolation", state: "ready", queueDepth: 0, logLevel: "debug", isolation: { mode: env.isolation ?? "worker" }, limits: { isolation: env.isolation ?? "worker", timeoutMs: 300 } });
      expect(info.permissions.granted).toContain("kv");
      expect(info.worker).toMatchObject({ restarts: 1, timeouts: 1 });
      // Guest memory as of the worker's last call (the bridge reports it).
      expect(info.engine).toMatchObject({ calls: 2, errors: 1, timeouts: 1, restarts: 1, memoryPages: 1, lastErrorCode: "timeout" });
      expect(info.plugin).toBeUndefined();
      await engine.unload("isolation");
      const unloaded = await engine.debugInfo("isolation");
      expect(unloaded).toMatchObject({ state: "unloaded", status: "unhealthy", engine: undefined, queueDepth: 0, isolation: { mode: "none" } });
    });

    test("createEngine rejects invalid health options", async () => {
      await expect(createEngine({ healthCheckIntervalMs: -1 })).rejects.toThrow(/healthCheckIntervalMs/);
      await expect(createEngine({ healthCheckTimeoutMs: 0 })).rejects.toThrow(/healthCheckTimeoutMs/);
      await expect(createEngine({ circuitBreaker: { failures: 0 } })).rejects.toThrow(/failures/);
    });
  });
}
