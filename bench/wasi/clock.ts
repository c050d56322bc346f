/**
 * What a WASI clock read costs when the engine serves it (docs/replay.md "WASI clock and random":
 * `clock_time_get` routed to `threadspace:wasi-values` at install) against raw @extism/extism's
 * node:wasi, and what recording the reads costs: the compat plugin `wasi-clock`'s `ticks` export
 * reads the monotonic clock once per input byte. Inline, in Node.
 * Run: `node scripts/build-compat.mjs && npx tsx --conditions=source bench/wasi/clock.ts`.
 */
import { readFileSync } from "node:fs";
import createPlugin from "@extism/extism";
import { createEngine } from "@threadspace/core";

const READS = Number(process.env["READS"] ?? 10_000);
const CALLS = Number(process.env["CALLS"] ?? 50);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const wasm = new Uint8Array(readFileSync(new URL("../../test/compat/build/wasi-clock.wasm", import.meta.url)));
const input = "x".repeat(READS);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function nsPerRead(call: () => Promise<unknown>): Promise<number> {
  await call();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) await call();
    rounds.push(((performance.now() - started) * 1e6) / (CALLS * READS));
  }
  return median(rounds);
}

const raw = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: true });
const engine = await createEngine({ logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
await engine.install({ manifest: { name: "wasi-clock", version: "1.0.0", interface: "extism" }, wasm });
const rawNs = await nsPerRead(() => raw.call("ticks", input));
const engineNs = await nsPerRead(() => engine.call("wasi-clock", "ticks", input));
const recordedNs = await nsPerRead(() => engine.call("wasi-clock", "ticks", input, { record: true }));
console.log(
  `clock_time_get, ${READS} reads per call, ns per read (median of ${ROUNDS} rounds of ${CALLS} calls): raw Extism (node:wasi) ${rawNs.toFixed(0)}; engine ${engineNs.toFixed(0)}; engine, recorded ${recordedNs.toFixed(0)}`,
);
await raw.close();
await engine.close();
