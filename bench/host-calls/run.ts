/**
 * bench/host-calls: host-function round trips per second (plugin → host function → plugin),
 * inline, for ts_memory_get and ts_kv_get against a no-op embedder host function, side by side
 * in one run. The plugin (test/fixtures/wat/bench-host.wat) loops inside one call, so the
 * figures are host-call cost, not plugin-call cost.
 *
 * Run: npm run bench:host-calls
 */
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fixed, machineLine, median, sideBySide } from "../lib/measure.ts";

const LOOP = Number(process.env["LOOP"] ?? 1000); // host calls per plugin call
const CALLS = Number(process.env["CALLS"] ?? 50); // plugin calls per round
const ROUNDS = Number(process.env["ROUNDS"] ?? 9);
const fixtures = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const manifest = JSON.parse(await readFile(`${fixtures}wat/bench-host.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${fixtures}build/bench-host.wasm`));

const engine = await createEngine({ grant: true });
engine.defineHostApi({ name: "bench", permission: "custom:bench", functions: { noop: () => null } });
await engine.install({ manifest, wasm });
engine.memories.put({ id: "m1", content: "A memory of moderate length, with a few words in it.", tags: ["bench", "memory"] });
engine.kv("bench-host").set("a", { small: "value", n: 42 });

const input = "x".repeat(LOOP);
const check = async (fn: string, expected: string) => {
  const text = (await engine.call("bench-host", fn, "x")).text();
  if (!text.includes(expected)) throw new Error(`${fn} replied ${text}`);
};
await check("noop_loop", '{"ok":null}');
await check("kv_get_loop", '"n":42');
await check("memory_get_loop", "moderate length");

/** Round trips per second over CALLS plugin calls of LOOP host calls each. */
const rate = (fn: string) => async () => {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await engine.call("bench-host", fn, input);
  return (CALLS * LOOP) / ((performance.now() - start) / 1000);
};
for (const fn of ["noop_loop", "kv_get_loop", "memory_get_loop"]) await rate(fn)(); // warm-up
const results = await sideBySide(ROUNDS, { noop: rate("noop_loop"), kv_get: rate("kv_get_loop"), memory_get: rate("memory_get_loop") });

const k = (value: number) => `${fixed(value / 1000, 0)}k/s`;
console.log(`## host-calls (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`${LOOP} host calls per plugin call, ${CALLS} plugin calls per round, ${ROUNDS} rounds, order rotating; medians.`);
console.log("");
console.log("| host function | round trips/s | µs per round trip | vs no-op |");
console.log("|---|---|---|---|");
for (const [name, values] of Object.entries(results) as Array<[string, number[]]>) {
  const m = median(values);
  console.log(`| ${name === "noop" ? "ts_bench_noop (no-op embedder API)" : `ts_${name}`} | ${k(m)} | ${fixed(1e6 / m, 2)} | ${fixed(m / median(results.noop), 2)}× |`);
}
await engine.close();
