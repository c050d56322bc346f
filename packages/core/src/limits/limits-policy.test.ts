import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import type { PluginLimits } from "@threadspace/manifest";
import {
  BUILT_IN_CEILINGS,
  BUILT_IN_DEFAULTS,
  defaultHostMemoryBytes,
  NUMERIC_LIMIT_KEYS,
  checkHostLimitsPolicy,
  resolveLimits,
  type HostLimitsPolicy,
  type NumericLimitKey,
} from "./limits-policy.ts";
import { capGuestMemory } from "./memory-cap.ts";
import { growWat, watToWasm } from "./test-support/wat.ts";

describe("resolveLimits", () => {
  it("gives the built-in defaults to a plugin that asks for nothing under an empty policy", () => {
    const { limits, notes, sources } = resolveLimits({});
    expect(limits).toEqual({
      timeoutMs: 5_000,
      memoryPages: 256,
      maxInputBytes: 1_048_576,
      maxOutputBytes: 16_777_216,
      hostCallsPerCall: 10_000,
      eventsPerSecond: 1_000,
      storageBytes: 10_485_760,
      fuel: undefined,
      tableElements: 100_000,
      hostMemoryBytes: 33_554_432,
      maxVarBytes: 1_048_576,
      isolation: "inline",
    });
    expect(notes).toEqual([]);
    expect(sources).toEqual({
      timeoutMs: "default",
      memoryPages: "default",
      maxInputBytes: "default",
      maxOutputBytes: "default",
      hostCallsPerCall: "default",
      eventsPerSecond: "default",
      storageBytes: "default",
      fuel: "unset",
      tableElements: "default",
      hostMemoryBytes: "default",
      maxVarBytes: "default",
      isolation: "default",
    });
  });

  it("grants what a plugin asks for within the ceilings, also less than the defaults", () => {
    const { limits, notes, sources } = resolveLimits({ timeoutMs: 100, memoryPages: 1_024, fuel: 5_000, isolation: "worker" }, { memoryPages: 2_048 });
    expect(limits).toMatchObject({ timeoutMs: 100, memoryPages: 1_024, fuel: 5_000, isolation: "worker" });
    expect(sources).toMatchObject({ timeoutMs: "plugin", memoryPages: "plugin", fuel: "plugin", isolation: "plugin", storageBytes: "default" });
    expect(notes).toEqual([]);
  });

  it("caps a plugin that asks for more than the policy, with a note", () => {
    const { limits, notes, sources } = resolveLimits({ memoryPages: 1_024, timeoutMs: 30_000 }, { memoryPages: 256, timeoutMs: 10_000 });
    expect(limits.memoryPages).toBe(256);
    expect(limits.timeoutMs).toBe(10_000);
    expect(sources.memoryPages).toBe("policy");
    expect(notes).toEqual([
      { limit: "timeoutMs", requested: 30_000, granted: 10_000, ceiling: "host", message: "timeoutMs: asked for 30000 ms, capped by policy to 10000 ms" },
      { limit: "memoryPages", requested: 1_024, granted: 256, ceiling: "host", message: "memoryPages: asked for 1024 pages (64 MiB), capped by policy to 256 pages (16 MiB)" },
    ]);
  });

  it("applies the built-in ceilings where the host sets none: asking is never enough to get everything", () => {
    const { limits, notes } = resolveLimits({ memoryPages: 65_536, timeoutMs: Number.MAX_SAFE_INTEGER, fuel: Number.MAX_SAFE_INTEGER });
    expect(limits.memoryPages).toBe(BUILT_IN_CEILINGS.memoryPages);
    expect(limits.timeoutMs).toBe(BUILT_IN_CEILINGS.timeoutMs);
    expect(limits.fuel).toBe(Number.MAX_SAFE_INTEGER); // fuel has no built-in ceiling
    expect(notes.map((n) => [n.limit, n.ceiling])).toEqual([
      ["timeoutMs", "built-in"],
      ["memoryPages", "built-in"],
    ]);
    expect(notes[1]?.message).toBe("memoryPages: asked for 65536 pages (4096 MiB), capped by the built-in ceiling to 4096 pages (256 MiB)");
    // A host that wants more says so.
    expect(resolveLimits({ memoryPages: 65_536 }, { memoryPages: 65_536 }).limits.memoryPages).toBe(65_536);
  });

  it("uses the host's defaults, and caps the built-in defaults by the host's ceilings", () => {
    const policy: HostLimitsPolicy = { memoryPages: 64, timeoutMs: 60_000, defaults: { timeoutMs: 20_000, fuel: 1_000_000 } };
    const { limits, notes, sources } = resolveLimits({}, policy);
    expect(limits.memoryPages).toBe(64); // built-in 256, host ceiling 64
    expect(limits.timeoutMs).toBe(20_000);
    expect(limits.fuel).toBe(1_000_000);
    expect(sources).toMatchObject({ memoryPages: "default", timeoutMs: "default", fuel: "default" });
    expect(notes).toEqual([]);
  });

  it("moves an inline plugin to a worker under a worker policy, and otherwise lets plugins choose", () => {
    const forced = resolveLimits({ isolation: "inline" }, { isolation: "worker" });
    expect(forced.limits.isolation).toBe("worker");
    expect(forced.sources.isolation).toBe("policy");
    expect(forced.notes).toEqual([{ limit: "isolation", requested: "inline", granted: "worker", ceiling: "host", message: 'isolation: asked for "inline", moved to "worker" by policy' }]);
    expect(resolveLimits({}, { isolation: "worker" }).limits.isolation).toBe("worker");
    expect(resolveLimits({ isolation: "worker" }, { isolation: "inline" }).limits.isolation).toBe("worker");
    expect(resolveLimits({ isolation: "inline" }, { isolation: "inline" }).limits.isolation).toBe("inline");
    expect(resolveLimits({}, { defaults: { isolation: "worker" } }).limits.isolation).toBe("worker");
  });

  it("orders isolations inline < pool < worker: a pool policy moves inline plugins into the pool and keeps worker plugins in their own", () => {
    const moved = resolveLimits({ isolation: "inline" }, { isolation: "pool" });
    expect(moved.limits.isolation).toBe("pool");
    expect(moved.notes).toEqual([{ limit: "isolation", requested: "inline", granted: "pool", ceiling: "host", message: 'isolation: asked for "inline", moved to "pool" by policy' }]);
    expect(resolveLimits({ isolation: "worker" }, { isolation: "pool" }).limits.isolation).toBe("worker");
    expect(resolveLimits({}, { isolation: "pool" })).toMatchObject({ limits: { isolation: "pool" }, sources: { isolation: "default" } });
    expect(resolveLimits({ isolation: "pool" }, { isolation: "worker" }).limits.isolation).toBe("worker");
    expect(resolveLimits({ isolation: "pool" }).limits.isolation).toBe("pool");
    expect(resolveLimits({}, { defaults: { isolation: "pool" } }).limits.isolation).toBe("pool");
    expect(resolveLimits({}, { isolation: "pool", defaults: { isolation: "worker" } }).limits.isolation).toBe("worker");
  });

  it("keeps every value within its ceiling, grants what fits, and notes exactly what it capped", () => {
    const value = (key: NumericLimitKey) => (key === "memoryPages" ? fc.integer({ min: 1, max: 65_536 }) : key === "tableElements" ? fc.integer({ min: 1, max: 10_000_000 }) : fc.integer({ min: 1, max: 1e12 }));
    const partial = (withKeys: readonly NumericLimitKey[]) =>
      fc.record(Object.fromEntries(withKeys.map((k) => [k, value(k)])) as Record<NumericLimitKey, fc.Arbitrary<number>>, { requiredKeys: [] });
    fc.assert(
      fc.property(partial(NUMERIC_LIMIT_KEYS), partial(NUMERIC_LIMIT_KEYS), (requested, ceilings) => {
        const { limits, notes, sources } = resolveLimits(requested as PluginLimits, ceilings as HostLimitsPolicy);
        for (const key of NUMERIC_LIMIT_KEYS) {
          const ceiling = ceilings[key] ?? (key === "fuel" ? undefined : BUILT_IN_CEILINGS[key]);
          const asked = requested[key];
          const got = limits[key];
          if (ceiling !== undefined && got !== undefined) expect(got).toBeLessThanOrEqual(ceiling);
          const capped = asked !== undefined && ceiling !== undefined && asked > ceiling;
          expect(notes.some((n) => n.limit === key)).toBe(capped);
          if (asked !== undefined && !capped) expect(got).toBe(asked);
          const fallback = key === "hostMemoryBytes" ? defaultHostMemoryBytes(limits.memoryPages) : key === "fuel" ? ceilings.fuel : BUILT_IN_DEFAULTS[key];
          // fuel: no built-in default, so the host's ceiling (when it sets one) is the budget.
          if (asked === undefined && fallback !== undefined) expect(got).toBe(Math.min(fallback, ceiling ?? Infinity));
          if (asked === undefined && key === "fuel" && ceilings.fuel === undefined) expect(got).toBeUndefined();
          expect(sources[key]).toBe(capped ? "policy" : asked !== undefined ? "plugin" : key === "fuel" && ceilings.fuel === undefined ? "unset" : "default");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("refuses requested values plugin.json's schema would refuse, with their paths", () => {
    let error: unknown;
    try {
      resolveLimits({ memoryPages: 70_000, timeoutMs: 0, isolation: "thread" as "inline" }, {}, { plugin: "p" });
    } catch (e) {
      error = e;
    }
    expect(isThreadspaceError(error, "manifest_invalid")).toBe(true);
    expect((error as { issues: unknown }).issues).toEqual([
      { path: "$.limits.timeoutMs", message: "must be a whole number from 1 to 9007199254740991; got 0." },
      { path: "$.limits.memoryPages", message: "must be a whole number from 1 to 65536; got 70000." },
      { path: "$.limits.isolation", message: 'must be "inline", "pool" or "worker"; got thread.' },
    ]);
  });
});

describe("checkHostLimitsPolicy", () => {
  it("accepts a sound policy", () => {
    expect(() => checkHostLimitsPolicy({ memoryPages: 1_024, timeoutMs: 10_000, isolation: "worker", defaults: { memoryPages: 128, isolation: "worker" } })).not.toThrow();
    expect(() => checkHostLimitsPolicy({})).not.toThrow();
  });

  it("refuses values out of range, a default above its ceiling, and contradictory isolation", () => {
    expect(() => checkHostLimitsPolicy({ memoryPages: 65_537 })).toThrow(/limits.memoryPages must be a whole number from 1 to 65536; got 65537/);
    expect(() => checkHostLimitsPolicy({ timeoutMs: 1.5 })).toThrow(RangeError);
    expect(() => checkHostLimitsPolicy({ defaults: { storageBytes: 0 } })).toThrow(/limits.defaults.storageBytes/);
    expect(() => checkHostLimitsPolicy({ isolation: "thread" as "worker" })).toThrow(/limits.isolation must be "inline", "pool" or "worker"/);
    expect(() => checkHostLimitsPolicy({ memoryPages: 64, defaults: { memoryPages: 128 } })).toThrow(/limits.defaults.memoryPages \(128\) is above limits.memoryPages \(64\)/);
    expect(() => checkHostLimitsPolicy({ isolation: "worker", defaults: { isolation: "inline" } })).toThrow(/drop one/);
    expect(() => checkHostLimitsPolicy({ isolation: "worker", defaults: { isolation: "pool" } })).toThrow(/defaults.isolation is "pool" but limits.isolation is "worker"/);
    expect(() => checkHostLimitsPolicy({ isolation: "pool", defaults: { isolation: "inline" } })).toThrow(/at least in a pool worker/);
    expect(() => resolveLimits({}, { memoryPages: 0 })).toThrow(RangeError);
  });
});

describe("resolveLimits with capGuestMemory", () => {
  it("the effective memoryPages is the cap written into the module", async () => {
    const wasm = await watToWasm(growWat(`(memory 1)`));
    const { limits, notes } = resolveLimits({ memoryPages: 512 }, { memoryPages: 8 });
    expect(notes).toHaveLength(1);
    const { instance } = await WebAssembly.instantiate(capGuestMemory(wasm, limits.memoryPages).bytes as Uint8Array<ArrayBuffer>);
    const grow = instance.exports["grow"] as (pages: number) => number;
    expect(grow(7)).toBe(1);
    expect(grow(1)).toBe(-1);
  });
});
