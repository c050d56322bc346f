import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import { CallChains } from "../../calls/call-chains.ts";
import { enginePools } from "./engine-pools.ts";

const plugin = (name: string) => {
  const manifest = parseManifest({ name, version: "1.0.0", description: "d", author: "a", dependencies: [], capabilities: [], config: {}, permissions: [], interface: "extism" });
  return { name, version: "1.0.0", manifest };
};

describe("EnginePools.forget", () => {
  test("an uninstalled plugin leaves no placement; another plugin's stays", async () => {
    const pools = enginePools({}, new CallChains());
    pools.poolOf(plugin("a"));
    pools.poolOf(plugin("b"));
    expect(pools.placementOf("a")).toEqual({ pool: "default" });
    pools.forget("a");
    expect(pools.placementOf("a")).toBeUndefined();
    expect(pools.placementOf("b")).toEqual({ pool: "default" });
    await pools.close();
  });
});
