/**
 * Linked modules and functions by any name in a worker, on both worker transports: the bridge
 * (ours) and Extism's runInWorker (`isolation.transport: "extism"`).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CallContext } from "@extism/extism";
import { createEngine } from "@threadspace/core";
import { buildCompatPlugins, compatWasm } from "./support/sides.ts";

beforeAll(() => buildCompatPlugins(), 120_000);
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

for (const transport of ["bridge", "extism"] as const) {
  describe(`worker transport "${transport}"`, () => {
    it("links a side module and serves functions in other namespaces", async () => {
      const engine = await createEngine({ logger: quiet, grant: true, isolation: { transport } });
      try {
        engine.defineHostFunctions({ namespace: "acme:tools", permission: "custom:compat", functions: { double: (_context: CallContext, x: number) => x * 2 } });
        engine.defineHostFunctions({ permission: "custom:compat", functions: { sum2: (_context: CallContext, a: bigint, b: bigint) => a + b } });
        const limits = { isolation: "worker" };
        await engine.install({ manifest: { name: "linked", version: "1.0.0", interface: "extism", limits, modules: { math: { path: "math.wasm" } } }, wasm: compatWasm("linked-main"), modules: { math: compatWasm("linked-math") } });
        expect((await engine.call("linked", "add", "58")).text()).toBe("13");
        await engine.install({ manifest: { name: "namespaced", version: "1.0.0", interface: "extism", limits, permissions: ["custom:compat"] }, wasm: compatWasm("namespaced") });
        // rc13's runInWorker loses an i32 result of a host function (raw Extism there outputs 0 too:
        // docs/compat.md); the bridge passes every value through.
        expect((await engine.call("namespaced", "run", "")).text()).toBe(transport === "bridge" ? "*" : "\u0000");
        expect(engine.get("linked")?.linkedModules.map((m) => m.name)).toEqual(["math"]);
      } finally {
        await engine.close();
      }
    });
  });
}

describe("a worker pool", () => {
  it("links a side module, serves functions by any name and HTTP refusals to pooled plugins", async () => {
    const engine = await createEngine({ logger: quiet, grant: true, isolation: { poolSize: 1 } });
    try {
      engine.defineHostFunctions({ namespace: "acme:tools", permission: "custom:compat", functions: { double: (_context: CallContext, x: number) => x * 2 } });
      engine.defineHostFunctions({ permission: "custom:compat", functions: { sum2: (_context: CallContext, a: bigint, b: bigint) => a + b, hello_world: (_context: CallContext, handle: bigint) => handle } });
      const limits = { isolation: "pool" };
      await engine.install({ manifest: { name: "linked", version: "1.0.0", interface: "extism", limits, modules: { math: { path: "math.wasm" } } }, wasm: compatWasm("linked-main"), modules: { math: compatWasm("linked-math") } });
      await engine.install({ manifest: { name: "namespaced", version: "1.0.0", interface: "extism", limits, permissions: ["custom:compat"] }, wasm: compatWasm("namespaced") });
      await engine.install({ manifest: { name: "http", version: "1.0.0", interface: "extism", limits, permissions: ["custom:compat", "http"], allowedHosts: ["127.0.0.1"] }, wasm: compatWasm("c-kernel") });
      expect((await engine.call("linked", "add", "58")).text()).toBe("13");
      expect((await engine.call("namespaced", "run", "")).text()).toBe("*");
      const refused = await engine.call("http", "fetch", JSON.stringify({ url: "http://localhost:9/x" })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((refused as { code?: string }).code).toBe("permission_denied");
    } finally {
      await engine.close();
    }
  });
});
