/**
 * bench/call-overhead/metering-share: how much of the engine's call overhead is fuel metering.
 * hello.greet("World") through raw @extism/extism, through an engine that metered the module
 * (installed from bytes), and through an engine given the same module precompiled and unmetered,
 * interleaved in one process (order rotating); medians of ROUNDS rounds of CALLS calls in process CPU time,
 * ratios against raw (median of per-round ratios).
 *
 * Run: npm run build:examples && npx tsx --conditions=source bench/call-overhead/metering-share.ts
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import createPlugin from "@extism/extism";
import { createEngine } from "@threadspace/core";

const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const CALLS = Number(process.env["CALLS"] ?? 30_000);
const root = fileURLToPath(new URL("../../", import.meta.url));
const manifest = JSON.parse(await readFile(`${root}examples/hello/plugin.json`, "utf8")) as Record<string, unknown>;
const bytes = new Uint8Array(await readFile(`${root}examples/hello/plugin.wasm`));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const metered = await createEngine({ logger: quiet });
await metered.install({ manifest, wasm: bytes });
const unmetered = await createEngine({ logger: quiet });
await unmetered.install({ manifest: { ...manifest, hash: undefined }, wasm: await WebAssembly.compile(bytes) });
const raw = await createPlugin({ wasm: [{ data: bytes }] }, { useWasi: false, config: { greeting: "Hello" } });

/** µs of process CPU time per call (on a shared machine, wall time also counts others' turns on the cores). */
async function microsPerCall(call: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await call();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / CALLS;
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const runs = { raw: [] as number[], metered: [] as number[], unmetered: [] as number[] };
const sides = {
  raw: () => raw.call("greet", "World"),
  metered: () => metered.call("hello", "greet", "World"),
  unmetered: () => unmetered.call("hello", "greet", "World"),
};
const order = ["raw", "metered", "unmetered"] as const;
for (let round = 0; round < ROUNDS; round++) {
  // The order rotates between rounds, so that no side always runs first.
  for (let i = 0; i < order.length; i++) {
    const side = order[(i + round) % order.length] as (typeof order)[number];
    runs[side].push(await microsPerCall(sides[side]));
  }
}
const ratio = (side: number[]): string => median(side.map((v, i) => v / (runs.raw[i] as number))).toFixed(3);
console.log(`| raw (CPU per call) | engine, metered | engine, unmetered | fuel per call |`);
console.log(`|---|---|---|---|`);
console.log(`| ${median(runs.raw).toFixed(2)} µs | ${median(runs.metered).toFixed(2)} µs (${ratio(runs.metered)}×) | ${median(runs.unmetered).toFixed(2)} µs (${ratio(runs.unmetered)}×) | ${(await metered.call("hello", "greet", "World")).fuel} |`);
await Promise.all([metered.close(), unmetered.close(), raw.close()]);
