import createPlugin from "@extism/extism";
import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { watToWasm } from "../limits/test-support/wat.ts";
import { FUEL_GLOBAL, FuelMeter, METER_MODULE } from "./fuel-meter.ts";

// A module metered by hand the way docs/metering.md says the rewrite meters one: a counter
// global exported as __threadspace_fuel, a charge per segment, a check at function entries and
// loop headers calling threadspace:meter.refuel, and memory.grow routed through a helper.
const METERED = `(module
  (import "${METER_MODULE}" "refuel" (func $refuel (result i32)))
  (import "${METER_MODULE}" "grow_refused" (func $grow_refused (param i32 i64)))
  (global $fuel (mut i32) (i32.const 0))
  (export "${FUEL_GLOBAL}" (global $fuel))
  (memory (export "memory") 1 2)
  (func $check
    (if (i32.lt_s (global.get $fuel) (i32.const 0))
      (then (global.set $fuel (i32.add (global.get $fuel) (call $refuel))))))
  (func $charge (param $n i32) (global.set $fuel (i32.sub (global.get $fuel) (local.get $n))))
  ;; counts down from n: 10 fuel per iteration plus 3 at entry
  (func (export "count") (param $n i32) (result i32)
    (call $charge (i32.const 3)) (call $check)
    (block $done
      (loop $again
        (call $charge (i32.const 10)) (call $check)
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $n))
  (func (export "spin")
    (call $charge (i32.const 1)) (call $check)
    (loop $forever (call $charge (i32.const 1)) (call $check) (br $forever)))
  (func $grow (param $pages i32) (result i32) (local $got i32)
    (local.set $got (memory.grow (local.get $pages)))
    (if (i32.eq (local.get $got) (i32.const -1)) (then (call $grow_refused (i32.const 0) (i64.extend_i32_u (local.get $pages)))))
    (local.get $got))
  (func (export "grow") (param $pages i32) (result i32)
    (call $charge (i32.const 2)) (call $check)
    (call $grow (local.get $pages)))
  ;; an Extism export: spins until stopped
  (func (export "run") (result i32)
    (call $charge (i32.const 1)) (call $check)
    (loop $forever (call $charge (i32.const 1)) (call $check) (br $forever))
    (i32.const 0))
  ;; a check at entry, then a stretch charged after the last check
  (func (export "tail")
    (call $charge (i32.const 1)) (call $check)
    (call $charge (i32.const 5)))
  ;; a start function that charges 5: metered while the module is instantiated
  (func $start (call $charge (i32.const 5)) (call $check))
  (start $start))`;

async function instantiate(meter: FuelMeter) {
  const { instance } = await WebAssembly.instantiate(await watToWasm(METERED), meter.imports());
  meter.attach(instance);
  return instance.exports as { count(n: number): number; spin(): void; grow(pages: number): number; tail(): void };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("FuelMeter", () => {
  it("counts exactly what the guest ran, independent of the slice size", async () => {
    const used: number[] = [];
    for (const slice of [1, 7, 1000, 1_000_000]) {
      const meter = new FuelMeter("p", { slice });
      const exports = await instantiate(meter);
      meter.begin({ fuel: Infinity, deadline: Infinity });
      expect(exports.count(1000)).toBe(0);
      used.push(meter.end().fuel);
    }
    expect(used).toEqual([3 + 1001 * 10, 3 + 1001 * 10, 3 + 1001 * 10, 3 + 1001 * 10]);
  });

  it("meters a start function while the module is instantiated, before the instance exists", async () => {
    const meter = new FuelMeter("p", { slice: 2 });
    meter.begin({ fuel: 100, deadline: Infinity });
    await instantiate(meter);
    expect(meter.end().fuel).toBe(5);
  });

  it("stops a loop with fuel_exhausted at the same point on every run, and the instance keeps serving", async () => {
    const meter = new FuelMeter("p", { slice: 64 });
    const exports = await instantiate(meter);
    const reports = [];
    for (let run = 0; run < 2; run++) {
      meter.begin({ fuel: 5000, deadline: Infinity, exportName: "spin", fuelSource: "limits.fuel in plugin.json" });
      const error = caught(() => exports.spin());
      expect(isThreadspaceError(error, "fuel_exhausted")).toBe(true);
      expect((error as Error).message).toMatch(/spin used up its fuel budget of 5000 \(limits\.fuel in plugin\.json\)/);
      const report = meter.end();
      expect(report.stop?.kind).toBe("fuel");
      reports.push(report.fuel);
    }
    expect(reports[0]).toBe(reports[1]);
    expect(reports[0]).toBeGreaterThan(5000);
    meter.begin({ fuel: 100_000, deadline: Infinity });
    expect(exports.count(3)).toBe(0);
    expect(meter.end()).toEqual({ fuel: 43, stop: undefined, refusedGrow: undefined });
  });

  it("stops a loop that runs past its deadline with timeout; a call within it finishes", async () => {
    // The clock moves only when the meter reads it: one tick per slice.
    let now = 0;
    const meter = new FuelMeter("p", { slice: 1000, clock: () => now++ });
    const exports = await instantiate(meter);
    meter.begin({ fuel: Infinity, deadline: 10, timeoutMs: 10, exportName: "spin" });
    const error = caught(() => exports.spin());
    expect(isThreadspaceError(error, "timeout")).toBe(true);
    expect((error as Error).message).toMatch(/spin ran past its timeout of 10 ms \(limits\.timeoutMs\)/);
    const report = meter.end();
    expect(report.stop?.kind).toBe("timeout");
    expect(report.fuel).toBeGreaterThan(10_000);
    meter.begin({ fuel: Infinity, deadline: now + 10, timeoutMs: 10 });
    expect(exports.count(5)).toBe(0);
    expect(meter.end().stop).toBeUndefined();
  });

  it("reports a memory.grow the cap refused", async () => {
    const meter = new FuelMeter("p");
    const exports = await instantiate(meter);
    meter.begin({ fuel: Infinity, deadline: Infinity });
    expect(exports.grow(1)).toBe(1);
    expect(meter.end().refusedGrow).toBeUndefined();
    meter.begin({ fuel: Infinity, deadline: Infinity });
    expect(exports.grow(39)).toBe(-1);
    expect(meter.end().refusedGrow).toEqual({ memory: 0, pages: 39 });
  });

  it("refuses an instance without the fuel counter", async () => {
    const { instance } = await WebAssembly.instantiate(await watToWasm(`(module (func (export "f")))`));
    const error = caught(() => new FuelMeter("p").attach(instance));
    expect(isThreadspaceError(error, "wasm_invalid")).toBe(true);
  });

  it("serves the same imports to Extism, whose thrown stop reaches the caller as the typed error", async () => {
    const meter = new FuelMeter("p", { slice: 100 });
    meter.begin({ fuel: Infinity, deadline: Infinity });
    const plugin = await createPlugin({ wasm: [{ data: await watToWasm(METERED) }] }, { functions: meter.extismFunctions() });
    meter.attach(await plugin.getInstance());
    expect(meter.end().fuel).toBe(5);
    meter.begin({ fuel: 10_000, deadline: Infinity, exportName: "run" });
    const error = await plugin.call("run").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "fuel_exhausted")).toBe(true);
    expect(meter.end().stop?.error).toBe(error);
    await plugin.close();
  });
});

describe("FuelMeter budgets are exact", () => {
  it("fails a call that ends over its budget after its last check", async () => {
    const meter = new FuelMeter("p", { slice: 1_000_000 });
    const exports = await instantiate(meter);
    meter.begin({ fuel: 6, deadline: Infinity });
    exports.tail();
    expect(meter.end()).toMatchObject({ fuel: 6, stop: undefined });
    meter.begin({ fuel: 5, deadline: Infinity, exportName: "tail" });
    exports.tail(); // the guest is not stopped: its last 5 are charged after its only check
    const over = meter.end();
    expect(over.fuel).toBe(6);
    expect(over.stop?.kind).toBe("fuel");
    expect(isThreadspaceError(over.stop?.error, "fuel_exhausted")).toBe(true);
  });
});
