/**
 * bench/call-chains: what the engine's wait-chain bookkeeping (calls/call-chains.ts) adds to a
 * pooled call (one `queued` + its release per call into a pool worker) and to a `ts_plugin_call`
 * (one `calling` + its release): with nobody waiting, and with 200 plugins queued on the worker
 * and a chain of 10 calls in flight from the plugin running there. Median of ROUNDS rounds, ns/op.
 *
 * Run: npx tsx --conditions=source bench/call-chains/run.ts
 */
import { CallChains } from "../../packages/core/src/calls/call-chains.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const OPS = Number(process.env["OPS"] ?? 200_000);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function measure(body: () => void): number {
  for (let i = 0; i < OPS / 10; i++) body();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < OPS; i++) body();
    rounds.push(((performance.now() - started) * 1e6) / OPS);
  }
  return median(rounds);
}

const idle = new CallChains();
const worker = { label: "pool default #1", runningPlugin: (): string | undefined => "a" };
const busy = new CallChains();
for (let i = 0; i < 200; i++) busy.queued(`q${i}`, worker);
busy.calling("a", "c0");
for (let i = 0; i < 10; i++) busy.calling(`c${i}`, `c${i + 1}`);

const rows: Array<[string, number]> = [
  ["pooled call: queued + release, nobody waits", measure(() => idle.queued("p", worker)())],
  ["pooled call: queued + release, 200 queued, a chain of 10 in flight", measure(() => busy.queued("p", worker)())],
  ["ts_plugin_call: calling + release, nobody waits", measure(() => idle.calling("x", "y")())],
  ["ts_plugin_call: calling + release, a chain of 10 in flight", measure(() => busy.calling("x", "a")())],
];
console.log("| case | ns/op (median) |\n|---|---|");
for (const [name, ns] of rows) console.log(`| ${name} | ${ns.toFixed(0)} |`);
