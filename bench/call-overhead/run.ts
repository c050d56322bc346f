/**
 * bench/call-overhead: what `engine.call` costs over raw `@extism/extism` `plugin.call` on the
 * same plugin and input, measured side by side in one run; and install-to-first-call against
 * raw `createPlugin` + `call`.
 *
 * Run: npm run bench:call-overhead   (builds the packages and examples, then runs the built
 *      packages as an embedder does: `tsx bench/call-overhead/run.ts`)
 * Knobs: CALLS (per round and side), CHUNK (calls per interleaved chunk), ROUNDS, INSTALLS.
 */
import createPlugin from "@extism/extism";
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fixed, machineLine, median, sideBySide, timeLoop } from "../lib/measure.ts";

const CALLS = Number(process.env["CALLS"] ?? 50_000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const INSTALLS = Number(process.env["INSTALLS"] ?? 200);
const helloDir = fileURLToPath(new URL("../../examples/hello/", import.meta.url));
const manifest = JSON.parse(await readFile(`${helloDir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${helloDir}plugin.wasm`));
const input = "World";

const raw = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false, config: { greeting: "Hello" } });
await raw.call("init_plugin", "");
const engine = await createEngine();
await engine.install({ manifest, wasm });

// Same output from both, or the comparison is meaningless.
const rawText = (await raw.call("greet", input))?.text();
const engineText = (await engine.call("hello", "greet", input)).text();
if (rawText !== engineText) throw new Error(`outputs differ: ${rawText} vs ${engineText}`);

// Warm up both paths (JIT), then measure in alternating rounds.
await timeLoop(CALLS, () => raw.call("greet", input));
await timeLoop(CALLS, () => engine.call("hello", "greet", input));
// Each round interleaves the two in chunks of CHUNK calls (raw, engine, raw, ...), so that both
// see the same load on a shared machine; a round's figure is each side's total over its chunks.
const CHUNK = Math.min(CALLS, Number(process.env["CHUNK"] ?? 2_500));
const rawCall = () => raw.call("greet", input);
const engineCall = () => engine.call("hello", "greet", input);
// Process CPU time is counted too: on a shared machine it leaves out the time others held the cores.
const calls = { raw: [] as number[], engine: [] as number[] };
const cpuCalls = { raw: [] as number[], engine: [] as number[] };
/** µs of process CPU time per call over `n` calls of `fn`, and µs of wall time. */
async function timed(n: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const wall = await timeLoop(n, fn);
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / n };
}
for (let round = 0; round < ROUNDS; round++) {
  const sum = { raw: { wall: 0, cpu: 0 }, engine: { wall: 0, cpu: 0 } };
  const add = (side: "raw" | "engine", t: { wall: number; cpu: number }) => {
    sum[side].wall += t.wall;
    sum[side].cpu += t.cpu;
  };
  for (let done = 0; done < CALLS; done += CHUNK) {
    const first = (done / CHUNK + round) % 2 === 0;
    if (first) add("raw", await timed(CHUNK, rawCall));
    add("engine", await timed(CHUNK, engineCall));
    if (!first) add("raw", await timed(CHUNK, rawCall));
  }
  const chunks = Math.ceil(CALLS / CHUNK);
  for (const side of ["raw", "engine"] as const) {
    calls[side].push(sum[side].wall / chunks);
    cpuCalls[side].push(sum[side].cpu / chunks);
  }
}
const ratios = calls.raw.map((r, i) => (calls.engine[i] as number) / r);
const cpuRatios = cpuCalls.raw.map((r, i) => (cpuCalls.engine[i] as number) / r);

const installs = await sideBySide(ROUNDS, {
  raw: () =>
    timeLoop(INSTALLS, async () => {
      const plugin = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" } });
      await plugin.call("init_plugin", "");
      await plugin.call("greet", input);
      await plugin.close();
    }),
  engine: () =>
    timeLoop(INSTALLS, async () => {
      const name = "hello";
      const e = await createEngine();
      await e.install({ manifest: { ...manifest, name }, wasm });
      await e.call(name, "greet", input);
      await e.close();
    }),
});
const installRatios = installs.raw.map((r, i) => (installs.engine[i] as number) / r);

console.log(`## call-overhead (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`hello.greet("${input}"), ${CALLS} sequential calls per round, ${ROUNDS} rounds, raw and engine interleaved in chunks of ${CHUNK} calls; medians.`);
console.log("");
console.log("| what | raw @extism/extism | Threadspace engine | ratio (median of per-round ratios) |");
console.log("|---|---|---|---|");
console.log(`| call (wall) | ${fixed(median(calls.raw))} µs | ${fixed(median(calls.engine))} µs | ${fixed(median(ratios), 3)} |`);
console.log(`| call (process CPU) | ${fixed(median(cpuCalls.raw))} µs | ${fixed(median(cpuCalls.engine))} µs | ${fixed(median(cpuRatios), 3)} |`);
console.log(
  `| install → first call (${INSTALLS} per round) | ${fixed(median(installs.raw) / 1000, 3)} ms | ${fixed(median(installs.engine) / 1000, 3)} ms | ${fixed(median(installRatios), 3)} |`,
);
console.log("");
console.log(`per-round call ratios, wall: ${ratios.map((r) => fixed(r, 3)).join(", ")}`);
console.log(`per-round call ratios, CPU: ${cpuRatios.map((r) => fixed(r, 3)).join(", ")}`);
await raw.close();
await engine.close();
