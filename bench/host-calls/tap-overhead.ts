/**
 * What the recording boundary (packages/host/src/host-tap.ts) costs a host call that is not
 * recorded: one host function called directly and through `tapHostFunctions`, with a
 * transaction that has no tap. Run: `npx tsx --conditions=source bench/host-calls/tap-overhead.ts`.
 */
import { tapHostFunctions, type ExtismCallContext, type ExtismHostFunction } from "@threadspace/host";

const N = Number(process.env["N"] ?? 5_000_000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const tx = { tap: undefined };
const context: ExtismCallContext = { read: () => null, store: () => 1n, hostContext: <T>() => tx as T };
const raw: ExtismHostFunction = (_context, handle) => handle + 1n;
const tapped = tapHostFunctions({ raw })["raw"] as ExtismHostFunction;

/** ns per call of `fn`. */
function time(fn: ExtismHostFunction): number {
  let handle = 0n;
  const started = performance.now();
  for (let i = 0; i < N; i++) handle = fn(context, handle) as bigint;
  if (handle !== BigInt(N)) throw new Error("unexpected result");
  return ((performance.now() - started) * 1e6) / N;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const direct: number[] = [];
const through: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  direct.push(time(raw));
  through.push(time(tapped));
}
console.log(`host function called directly: ${median(direct).toFixed(1)} ns; through the tap boundary (no tap): ${median(through).toFixed(1)} ns; difference ${(median(through) - median(direct)).toFixed(1)} ns per host call (median of ${ROUNDS} rounds of ${N})`);
