import { describe, expect, it } from "vitest";
import { CallChains } from "../calls/call-chains.ts";
import { LazyPools } from "./lazy-pools.ts";
import { EnginePools } from "./pool/engine-pools.ts";

describe("LazyPools", () => {
  it("has no placement and nothing to close when no plugin asked for a pool", async () => {
    const pools = new LazyPools({ poolSize: 1 }, new CallChains());
    expect(pools.placementOf("any")).toBeUndefined();
    await expect(pools.close()).resolves.toBeUndefined();
  });

  it("loads the engine's pools once and hands every caller the same ones", async () => {
    const pools = new LazyPools({ poolSize: 1 }, new CallChains());
    const [first, second] = await Promise.all([pools.load(), pools.load()]);
    expect(first).toBeInstanceOf(EnginePools);
    expect(second).toBe(first);
    expect(await pools.load()).toBe(first);
    await pools.close();
  });
});
