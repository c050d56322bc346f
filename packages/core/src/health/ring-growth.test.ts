import { describe, expect, test } from "vitest";
import { FuelWindow, FUEL_WINDOW } from "../fuel/fuel-window.ts";
import { LatencyWindow } from "./latency-window.ts";
import { grownRing } from "./ring-growth.ts";

describe("grownRing", () => {
  test("doubles up to the capacity and keeps the entries", () => {
    const first = grownRing(new Float64Array(0), 100, (n) => new Float64Array(n));
    expect(first.length).toBe(16);
    first[15] = 7;
    const second = grownRing(first, 20, (n) => new Float64Array(n));
    expect(second.length).toBe(20);
    expect(second[15]).toBe(7);
  });
});

describe("windows that grow as calls come", () => {
  test("a latency window keeps the last `capacity` calls across growth and wrap-around", () => {
    const window = new LatencyWindow(40);
    expect(window.percentiles().samples).toBe(0);
    for (let i = 1; i <= 100; i++) window.add(i, i > 90);
    expect(window.size).toBe(40);
    const p = window.percentiles();
    expect(p.samples).toBe(40);
    expect(p.p50).toBe(80);
    expect(p.p99).toBe(100);
    expect(window.errorRate()).toBe(10 / 40);
  });

  test("a latency window of 0 keeps nothing", () => {
    const window = new LatencyWindow(0);
    window.add(1, true);
    expect(window.size).toBe(0);
    expect(window.errorRate()).toBe(0);
  });

  test("a fuel window keeps the last FUEL_WINDOW calls across growth", () => {
    const window = new FuelWindow();
    for (let i = 1; i <= FUEL_WINDOW + 10; i++) window.record(i);
    const summary = window.summary();
    expect(summary.samples).toBe(FUEL_WINDOW);
    expect(summary.max).toBe(FUEL_WINDOW + 10);
    expect(summary.total).toBe(((FUEL_WINDOW + 10) * (FUEL_WINDOW + 11)) / 2);
    expect(summary.p50).toBe(Math.ceil(0.5 * FUEL_WINDOW) + 10);
  });
});
