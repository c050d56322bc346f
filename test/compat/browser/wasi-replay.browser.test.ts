/**
 * WASI clock and random values in traces, in Chromium (docs/replay.md "WASI clock and random"):
 * the engine serves them there too (Extism's browser WASI is never asked), inline and in a bridge
 * worker; a recorded call replays in a fresh engine with the same output.
 */
import { describe, expect, it } from "vitest";
import { createEngine, parseTrace } from "@threadspace/core";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function engineWith(isolation: "inline" | "worker") {
  const engine = await createEngine({ logger: quiet, grant: true });
  const manifest = { name: "wasi-clock", version: "1.0.0", interface: "extism", limits: { isolation } };
  await engine.install({ manifest, wasm: await fetch("/test/compat/build/wasi-clock.wasm") });
  return engine;
}

const same = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);

for (const isolation of ["inline", "worker"] as const) {
  describe(`WASI clock and random in Chromium (${isolation})`, () => {
    it("records the time and random bytes a call read, and replays them in a fresh engine", async () => {
      const recording = await engineWith(isolation);
      let trace;
      let output: Uint8Array;
      try {
        const result = await recording.call("wasi-clock", "now", "", { record: true });
        output = result.bytes;
        expect(same((await recording.call("wasi-clock", "now", "")).bytes, output)).toBe(false);
        const started = (await recording.call("wasi-clock", "started", "")).bytes;
        expect(new DataView(started.buffer, started.byteOffset).getUint32(8, true)).toBe(0);
        trace = parseTrace(JSON.stringify(result.trace));
      } finally {
        await recording.close();
      }
      expect(trace.wasi?.map((read) => read.fn)).toEqual(["clock_time_get", "clock_res_get", "random_get"]);
      const fresh = await engineWith(isolation);
      try {
        const replayed = await fresh.replay(trace);
        expect(replayed.differences).toEqual([]);
        expect(same(replayed.output?.bytes ?? new Uint8Array(0), output)).toBe(true);
      } finally {
        await fresh.close();
      }
    });
  });
}
