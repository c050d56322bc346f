/**
 * bench/fuel/timeouts: how soon after its timeout a looping plugin's call fails, and how soon the
 * next call is answered, in Node: inline (fuel metering checks the deadline at the end of each
 * slice) and in a bridge worker (the worker's meter stops it; the supervisor's termination is
 * only the backstop). The done-when of issue 9: within timeout + 50 ms.
 *
 * Run: npm run bench:fuel:timeouts   (RUNS overrides the default of 10 per mode).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createEngine } from "@threadspace/core";

const RUNS = Number(process.env["RUNS"] ?? 10);
const TIMEOUT_MS = 300;
const root = fileURLToPath(new URL("../../", import.meta.url));
const manifest = JSON.parse(await readFile(`${root}test/fixtures/wat/loop.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${root}test/fixtures/build/loop.wasm`));

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fixed = (n: number): string => n.toFixed(1);

console.log(`bench/fuel/timeouts: a plugin that loops forever, limits.timeoutMs ${TIMEOUT_MS}, ${RUNS} runs per mode (Node ${process.version})`);
console.log("| mode | timeout fired after (median / max) | past the limit (max) | next call answered after (median) |");
console.log("|---|---|---|---|");
for (const isolation of ["inline", "worker"] as const) {
  const engine = await createEngine({ logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  await engine.install({ manifest: { ...manifest, limits: { timeoutMs: TIMEOUT_MS, isolation } }, wasm });
  const fired: number[] = [];
  const next: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const error = await engine.call("loop", "spin").then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    if (error?.code !== "timeout") throw new Error(`expected a timeout, got ${JSON.stringify(error)}`);
    const failedAt = performance.now();
    fired.push(failedAt - started);
    await engine.call("loop", "echo", "x");
    next.push(performance.now() - failedAt);
  }
  await engine.close();
  console.log(`| ${isolation} | ${fixed(median(fired))} / ${fixed(Math.max(...fired))} ms | ${fixed(Math.max(...fired) - TIMEOUT_MS)} ms | ${fixed(median(next))} ms |`);
}
