import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { bytesOf, fixture, unmeteredFixture } from "./fixture-source.ts";
// Not the engine's API: what `threadspace cap --fuel` runs at build time.
import { rewriteModule } from "../../packages/core/src/metering/index.ts";
import type { TestEnv } from "./test-env.ts";
import { waitFor } from "./wait-for.ts";

/**
 * What `count` with input [3] uses under transform version 2 (docs/metering.md): the same
 * figure in Node, Chromium and workerd. A new transform version may change it, never a runtime
 * (version 1, which charged what follows an `end` separately, counted 27,193).
 */
const COUNT_3_FUEL = 27_196;

/**
 * Fuel metering (issue 9, docs/metering.md): every plugin is metered, so timeouts hold inline
 * (the default, and the only mode in workerd), budgets stop runaway calls with `fuel_exhausted`,
 * and fuel counts are the same on every runtime.
 */
export function fuelContract(env: TestEnv): void {
  describe("fuel", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });
    const start = async (limits: Record<string, unknown> = {}, options: Parameters<typeof createEngine>[0] = {}): Promise<Engine> => {
      engine = await createEngine(options);
      // runaway's cleanup loops: a short timeout keeps each close quick.
      await engine.install(await fixture(env, "runaway", { limits: { timeoutMs: 300, ...limits } }), { grant: true });
      return engine;
    };

    test("a plugin that loops forever inline fails with timeout, and its next call works", async () => {
      const engine = await start({ timeoutMs: 300 });
      const error = await expectCode(engine.call("runaway", "spin"), "timeout");
      expect(error.message).toMatch(/spin ran past its timeout of 300 ms/);
      expect((await engine.call("runaway", "echo", "still here")).text()).toBe("still here");
      expect(engine.get("runaway")?.limitNotes.join(" ")).not.toMatch(/timeoutMs.*not enforced/);
    });

    test("recursion without any loop is metered too", async () => {
      const engine = await start({ fuel: 100_000 });
      await expectCode(engine.call("runaway", "fib", new Uint8Array([40])), "fuel_exhausted");
      expect((await engine.call("runaway", "fib", new Uint8Array([10]))).text()).toBe("done");
    });

    test("limits.fuel stops a loop with fuel_exhausted naming the budget; the plugin keeps serving", async () => {
      const engine = await start({ fuel: 50_000 });
      const error = await expectCode(engine.call("runaway", "spin"), "fuel_exhausted");
      expect(error.message).toMatch(/spin used up its fuel budget of 50000 \(limits\.fuel\)/);
      await expectCode(engine.call("runaway", "count", new Uint8Array([100])), "fuel_exhausted");
      expect((await engine.call("runaway", "count", new Uint8Array([3]))).text()).toBe("done");
      expect(engine.get("runaway")?.limitNotes.join(" ")).not.toMatch(/not metered/);
    });

    test("the same call uses the same fuel on every run, in every runtime", async () => {
      const engine = await start();
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push((await engine.call("runaway", "count", new Uint8Array([3]))).fuel);
      expect(runs).toEqual([COUNT_3_FUEL, COUNT_3_FUEL, COUNT_3_FUEL]);
      const bigger = (await engine.call("runaway", "count", new Uint8Array([6]))).fuel as number;
      expect(bigger).toBeGreaterThan(COUNT_3_FUEL * 1.9);
    });

    test("a call's own { fuel } replaces limits.fuel, capped by the host's policy", async () => {
      const engine = await start({ fuel: 20_000 }, { limits: { fuel: 5_000_000 } });
      await expectCode(engine.call("runaway", "count", new Uint8Array([3])), "fuel_exhausted");
      expect((await engine.call("runaway", "count", new Uint8Array([3]), { fuel: COUNT_3_FUEL })).fuel).toBe(COUNT_3_FUEL);
      await expectCode(engine.call("runaway", "count", new Uint8Array([3]), { fuel: COUNT_3_FUEL - 1 }), "fuel_exhausted");
      const capped = await expectCode(engine.call("runaway", "spin", "", { fuel: 1e12 }), "fuel_exhausted");
      expect(capped.message).toMatch(/5000000.*capped by the host's limits\.fuel/);
      await expectCode(engine.call("runaway", "echo", "x", { fuel: -1 }), "bad_input");
      await expectCode(engine.call("runaway", "echo", "x", { fuel: 1.5 }), "bad_input");
    });

    test("fuel per call shows in health and debugInfo", async () => {
      const engine = await start();
      for (let i = 0; i < 4; i++) await engine.call("runaway", "count", new Uint8Array([3]));
      const fuel = (await engine.debugInfo("runaway")).engine?.fuel;
      expect(fuel).toMatchObject({ p50: COUNT_3_FUEL, p95: COUNT_3_FUEL, max: COUNT_3_FUEL, samples: 4 });
    });

    // Inline everywhere; in a worker (the bridge) too, where the worker's own meter stops them.
    for (const isolation of ["inline", "worker"] as const) {
      test.skipIf(isolation === "worker" && env.runtime === "workerd")(`lifecycle exports are metered (${isolation}): on_event, on_tick, on_config_change, health_check and cleanup are stopped`, async () => {
        const engine = await start({ timeoutMs: 150, isolation }, { healthCheckTimeoutMs: 10_000 });
        engine.events.emit("runaway.go", null);
        await waitFor(() => engine.events.stats("runaway").failed === 1, "on_event to be stopped");
        expect(engine.events.stats("runaway").lastError).toMatch(/on_event ran past its timeout of 150 ms/);

        const report = await engine.health("runaway");
        expect(report.status).toBe("unhealthy");
        expect(report.message).toMatch(/timeout/);

        await engine.config.set("runaway", { note: "changed" });
        await waitFor(() => engine.logs("runaway").some((entry) => /on_config_change failed: .*timeout of 150 ms/.test(entry.message)), "on_config_change to be stopped");

        await engine.config.set("runaway", { interval: 0.05 });
        await waitFor(() => engine.logs("runaway").some((entry) => /on_tick failed: .*timeout of 150 ms/.test(entry.message)), "on_tick to be stopped");
        await engine.config.set("runaway", { interval: null });

        await engine.unload("runaway");
        expect(engine.get("runaway")?.state).toBe("unloaded");
        await engine.load("runaway");
        expect((await engine.call("runaway", "echo", "back")).text()).toBe("back");
        // Stopped by their meter, never by terminating a worker.
        expect((await engine.debugInfo("runaway")).worker?.restarts ?? 0).toBe(0);
      });
    }

    test.skipIf(env.runtime === "workerd")("fuel budgets and counts hold in a worker as inline: the same fuel, fuel_exhausted on a loop", async () => {
      const engine = await start({ isolation: "worker", fuel: 1_000_000 });
      expect((await engine.call("runaway", "count", new Uint8Array([3]))).fuel).toBe(COUNT_3_FUEL);
      const error = await expectCode(engine.call("runaway", "spin"), "fuel_exhausted");
      expect(error.message).toMatch(/spin used up its fuel budget of 1000000 \(limits\.fuel\)/);
      expect((await engine.call("runaway", "echo", "still")).text()).toBe("still");
      expect((await engine.debugInfo("runaway")).worker).toMatchObject({ restarts: 0 });
    });

    const hasBytes = test.skipIf(env.runtime === "workerd");

    hasBytes("a module metered at build time is recognised as metered and uses the same fuel", async () => {
      // A long timeout: on a loaded machine the 10,000,000 budget must run out first.
      const parts = await fixture(env, "runaway", { limits: { timeoutMs: 10_000 } });
      const module = await WebAssembly.compile(rewriteModule(bytesOf(parts.wasm), { memoryPages: 256 }).bytes as Uint8Array<ArrayBuffer>);
      engine = await createEngine({ limits: { fuel: 10_000_000 } });
      const info = await engine.install({ ...parts, wasm: module });
      expect(info.metered).toBe(true);
      expect(info.limitNotes.join(" ")).not.toMatch(/fuel/);
      expect((await engine.call("runaway", "count", new Uint8Array([3]))).fuel).toBe(COUNT_3_FUEL);
      await expectCode(engine.call("runaway", "spin"), "fuel_exhausted");
    });

    hasBytes("an unmetered precompiled module is refused where the host requires budgets, else runs with a note", async () => {
      engine = await createEngine({ limits: { fuel: 1_000_000 } });
      const refused = await expectCode(engine.install(await unmeteredFixture(env, "runaway")), "wasm_invalid");
      expect(refused.message).toMatch(/not metered.*threadspace cap <bundle> --fuel/);
      await engine.close();
      engine = await createEngine({ metering: { unmetered: "refuse" } });
      await expectCode(engine.install(await unmeteredFixture(env, "runaway")), "wasm_invalid");
      await engine.close();
      engine = await createEngine();
      // Not runaway: unmetered, its looping cleanup would block the thread for good at close.
      const allowed = await engine.install(await unmeteredFixture(env, "loop", { limits: { timeoutMs: 300 } }));
      expect(allowed.metered).toBe(false);
      expect(allowed.limitNotes.join(" ")).toMatch(/fuel: not metered/);
      expect((await engine.call("loop", "echo", "x")).fuel).toBeUndefined();
    });

    hasBytes("a module that is already metered, or imports the meter itself, is refused when installed from bytes", async () => {
      engine = await createEngine();
      const parts = await fixture(env, "runaway");
      const metered = rewriteModule(bytesOf(parts.wasm)).bytes;
      const error = await expectCode(engine.install({ ...parts, wasm: metered }), "wasm_invalid");
      expect(error.message).toMatch(/already metered/);
    });

    // The cap is written into the module's bytes at install; workerd's precompiled fixtures carry none.
    hasBytes("a grow the cap refuses is memory_limit even when memory stays below the cap", async () => {
      const engine = await start({ memoryPages: 39 });
      const error = await expectCode(engine.call("runaway", "grab", new Uint8Array([39])), "memory_limit");
      expect(error.message).toMatch(/asked for 39 more pages at 1 pages, which would pass its cap of 39 pages/);
      expect((await engine.call("runaway", "grab", new Uint8Array([38]))).text()).toBe("done");
    });
  });
}
