import { describe, expect, it } from "vitest";
import { watToWasm } from "../limits/test-support/wat.ts";
import { DEFERRED_INITIALIZE, WASI_VALUES_MODULE, routeWasiValues } from "./wasi-values-rewrite.ts";

const shape = (bytes: Uint8Array) => {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return { imports: WebAssembly.Module.imports(module), exports: WebAssembly.Module.exports(module).map((e) => e.name) };
};

describe("routeWasiValues", () => {
  it("moves clock_time_get, clock_res_get and random_get to the engine's namespace, defers _initialize, and keeps every other import and index", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "table" (table 1 funcref))
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
      (import "env" "mem" (memory 1 2))
      (import "env" "g" (global i64))
      (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "clock_res_get" (func $c (param i32 i32) (result i32)))
      (func (export "_initialize"))
      (func (export "t") (result i32) (call $t (i32.const 0) (i64.const 1) (i32.const 0))))`);
    const routed = routeWasiValues(wasm);
    expect(shape(routed).imports).toEqual([
      { module: "env", name: "table", kind: "table" },
      { module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" },
      { module: WASI_VALUES_MODULE, name: "clock_time_get", kind: "function" },
      { module: "env", name: "mem", kind: "memory" },
      { module: "env", name: "g", kind: "global" },
      { module: WASI_VALUES_MODULE, name: "random_get", kind: "function" },
      { module: WASI_VALUES_MODULE, name: "clock_res_get", kind: "function" },
    ]);
    expect(shape(routed).exports).toEqual([DEFERRED_INITIALIZE, "t"]);
    // The call still reaches the same import (index unchanged): the routed function answers.
    const seen: unknown[] = [];
    const instance = new WebAssembly.Instance(new WebAssembly.Module(routed as Uint8Array<ArrayBuffer>), {
      env: { table: new WebAssembly.Table({ initial: 1, element: "anyfunc" }), mem: new WebAssembly.Memory({ initial: 1, maximum: 2 }), g: new WebAssembly.Global({ value: "i64" }, 0n) },
      wasi_snapshot_preview1: { fd_write: () => 0 },
      [WASI_VALUES_MODULE]: { clock_time_get: (...args: unknown[]) => (seen.push(args), 7), random_get: () => 0, clock_res_get: () => 0 },
    });
    expect((instance.exports["t"] as () => number)()).toBe(7);
    expect(seen).toEqual([[0, 1n, 0]]);
  });

  it("leaves a module without WASI imports as it was (the same bytes)", async () => {
    const wasm = await watToWasm(`(module (import "env" "f" (func)) (func (export "_initialize")))`);
    expect(routeWasiValues(wasm)).toBe(wasm);
  });

  it("defers _initialize of a WASI module that reads no clock (the engine's WASI binds its memory first)", async () => {
    const wasm = await watToWasm(`(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1) (func (export "_initialize")))`);
    expect(shape(routeWasiValues(wasm))).toEqual({ imports: [{ module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" }], exports: ["memory", DEFERRED_INITIALIZE] });
  });

  it("refuses a truncated import section with wasm_invalid", async () => {
    const wasm = await watToWasm(`(module (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32))))`);
    expect(() => routeWasiValues(wasm.subarray(0, wasm.byteLength - 3))).toThrow(expect.objectContaining({ code: "wasm_invalid" }));
  });
});
