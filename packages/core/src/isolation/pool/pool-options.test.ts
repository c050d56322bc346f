import { describe, expect, it } from "vitest";
import { checkPoolOptions, MAX_POOL_SIZE, poolSize } from "./pool-options.ts";

describe("pool options", () => {
  it("sizes the default pool from poolSize (else pools.default, else the cores) and named pools from their size (default 1)", () => {
    expect(poolSize({ poolSize: 3 }, "default")).toBe(3);
    expect(poolSize({ pools: { default: { size: 2 } } }, "default")).toBe(2);
    expect(poolSize({}, "default")).toBeGreaterThanOrEqual(1);
    expect(poolSize({}, "default")).toBeLessThanOrEqual(MAX_POOL_SIZE);
    expect(poolSize({ pools: { trusted: {} } }, "trusted")).toBe(1);
    expect(poolSize({ pools: { trusted: { size: 4 } } }, "trusted")).toBe(4);
    expect(poolSize({ pools: {} }, "toString")).toBeUndefined();
    expect(poolSize({}, "nowhere")).toBeUndefined();
  });

  it("refuses sizes past MAX_POOL_SIZE, bad names and a default pool sized twice differently, naming the option", () => {
    expect(() => checkPoolOptions({ poolSize: MAX_POOL_SIZE })).not.toThrow();
    expect(() => checkPoolOptions({ poolSize: MAX_POOL_SIZE + 1 })).toThrow(/^isolation\.poolSize is 257; a pool has at most 256 workers/);
    expect(() => checkPoolOptions({ pools: { big: { size: 10_000 } } })).toThrow(/^isolation\.pools\.big\.size is 10000/);
    expect(() => checkPoolOptions({ pools: { "": {} } })).toThrow(/^isolation\.pools has a pool named ""; a pool's name has 1 to 64 characters/);
    expect(() => checkPoolOptions({ pools: { ["x".repeat(65)]: {} } })).toThrow(/1 to 64 characters/);
    expect(() => checkPoolOptions({ poolSize: 2, pools: { default: { size: 2 } } })).not.toThrow();
    expect(() => checkPoolOptions({ poolSize: 2, pools: { default: { size: 3 } } })).toThrow(/^isolation\.poolSize \(2\) and isolation\.pools\.default\.size \(3\)/);
    expect(() => checkPoolOptions({ pools: [] as unknown as Record<string, { size?: number }> })).toThrow(/^isolation\.pools must be an object/);
  });
});
