import { describe, expect, test } from "vitest";
import { LatencyWindow } from "./latency-window.ts";

describe("LatencyWindow", () => {
  test("is empty before the first call", () => {
    const window = new LatencyWindow(4);
    expect(window.percentiles()).toEqual({ p50: null, p95: null, p99: null, samples: 0 });
    expect(window.errorRate()).toBe(0);
    expect(window.size).toBe(0);
  });

  test("takes percentiles over the timed calls only; untimed calls (NaN) still count for the error rate", () => {
    const window = new LatencyWindow(10);
    for (const ms of [5, 1, 4, 2, 3]) window.add(ms, false);
    window.add(Number.NaN, true);
    expect(window.percentiles()).toEqual({ p50: 3, p95: 5, p99: 5, samples: 5 });
    expect(window.size).toBe(6);
    expect(window.errorRate()).toBeCloseTo(1 / 6);
  });

  test("keeps only the last `capacity` calls", () => {
    const window = new LatencyWindow(3);
    window.add(100, true);
    window.add(100, true);
    for (const ms of [1, 2, 3]) window.add(ms, false);
    expect(window.size).toBe(3);
    expect(window.errorRate()).toBe(0);
    expect(window.percentiles()).toMatchObject({ p50: 2, p99: 3, samples: 3 });
  });

  test("rounds to microseconds", () => {
    const window = new LatencyWindow(2);
    window.add(0.0123456, false);
    expect(window.percentiles().p50).toBe(0.012);
  });
});
