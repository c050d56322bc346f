import { describe, expect, test } from "vitest";
import { CircuitBreaker } from "./circuit-breaker.ts";

/** A breaker on a clock the test moves by hand. */
function breaker(settings = { failures: 3, retryAfterMs: 1000, maxRetryAfterMs: 4000 }) {
  const clock = { now: 10_000 };
  return { clock, circuit: new CircuitBreaker(settings, () => clock.now) };
}

describe("CircuitBreaker", () => {
  test("opens at the Nth consecutive failure, not before; a success in between starts the count again", () => {
    const { circuit } = breaker();
    expect(circuit.failed("a")).toBe(false);
    expect(circuit.failed("b")).toBe(false);
    expect(circuit.succeeded()).toBe(false);
    expect(circuit.consecutiveFailures).toBe(0);
    circuit.failed("a");
    circuit.failed("b");
    expect(circuit.failed("plugin_trap: boom")).toBe(true);
    expect(circuit.state).toBe("open");
    expect(circuit.reason).toBe("3 consecutive failures (last: plugin_trap: boom)");
    expect(circuit.retryAt).toBe(11_000);
  });

  test("refuses calls until retryAfterMs passes, then lets one trial through (half-open)", () => {
    const { clock, circuit } = breaker();
    for (let i = 0; i < 3; i++) circuit.failed("x");
    expect(circuit.admit()).toBe(false);
    clock.now = 10_999;
    expect(circuit.admit()).toBe(false);
    clock.now = 11_000;
    expect(circuit.admit()).toBe(true);
    expect(circuit.state).toBe("half-open");
    expect(circuit.trialInFlight).toBe(true);
    // Only one trial: the next call waits for it.
    expect(circuit.admit()).toBe(false);
    expect(circuit.succeeded()).toBe(true);
    expect(circuit.state).toBe("closed");
    expect(circuit.admit()).toBe(true);
    expect(circuit.retryAt).toBe(0);
  });

  test("a failed trial opens it again for twice as long, up to maxRetryAfterMs", () => {
    const { clock, circuit } = breaker();
    for (let i = 0; i < 3; i++) circuit.failed("x");
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      clock.now = circuit.retryAt;
      expect(circuit.admit()).toBe(true);
      expect(circuit.failed("still broken")).toBe(true);
      waits.push(circuit.retryAt - clock.now);
    }
    expect(waits).toEqual([2000, 4000, 4000, 4000]);
    expect(circuit.reason).toMatch(/^its trial call failed after \d+ consecutive failures/);
  });

  test("a trial that never reports back lets another through after retryAfterMs", () => {
    const { clock, circuit } = breaker();
    for (let i = 0; i < 3; i++) circuit.failed("x");
    clock.now = 11_000;
    expect(circuit.admit()).toBe(true);
    clock.now = 11_999;
    expect(circuit.admit()).toBe(false);
    clock.now = 12_000;
    expect(circuit.admit()).toBe(true);
  });

  test("without settings it never opens but still counts failures", () => {
    const circuit = new CircuitBreaker(undefined, () => 0);
    for (let i = 0; i < 100; i++) expect(circuit.failed("x")).toBe(false);
    expect(circuit.closed).toBe(true);
    expect(circuit.consecutiveFailures).toBe(100);
    expect(circuit.admit()).toBe(true);
  });

  test("keeps long reasons short", () => {
    const { circuit } = breaker({ failures: 1, retryAfterMs: 1, maxRetryAfterMs: 1 });
    circuit.failed("x".repeat(1000));
    expect(circuit.reason.length).toBeLessThan(400);
    expect(circuit.reason).toMatch(/\.\.\.\)$/);
  });
});
