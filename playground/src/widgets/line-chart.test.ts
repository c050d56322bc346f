import { describe, expect, test } from "vitest";
import { niceMax, project } from "./line-chart.ts";

describe("line chart scales", () => {
  test("the y axis ends at 1, 2 or 5 times a power of ten", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(0.07)).toBeCloseTo(0.1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(500)).toBe(500);
    expect(niceMax(501)).toBe(1000);
  });

  test("samples map into the plot, nulls are left out, one sample sits at the left", () => {
    expect(project([[0, 0], [5, null], [10, 5]], 0, 10, 10, 100, 50)).toEqual([[0, 50], [100, 25]]);
    expect(project([[7, 10]], 7, 7, 10, 100, 50)).toEqual([[0, 0]]);
  });
});
