import { describe, expect, it } from "vitest";
import { FUEL_WINDOW, FuelWindow } from "./fuel-window.ts";

describe("FuelWindow", () => {
  it("is empty before the first call", () => {
    expect(new FuelWindow().summary()).toEqual({ p50: null, p95: null, max: null, samples: 0, total: 0 });
  });

  it("gives nearest-rank percentiles and the max of the window, and the total of every call", () => {
    const window = new FuelWindow();
    for (let fuel = 1; fuel <= 100; fuel++) window.record(fuel);
    expect(window.summary()).toEqual({ p50: 50, p95: 95, max: 100, samples: 100, total: 5050 });
  });

  it("keeps only the last calls in the window", () => {
    const window = new FuelWindow();
    window.record(1_000_000);
    for (let i = 0; i < FUEL_WINDOW; i++) window.record(7);
    expect(window.summary()).toMatchObject({ p50: 7, p95: 7, max: 7, samples: FUEL_WINDOW, total: 1_000_000 + 7 * FUEL_WINDOW });
  });
});
