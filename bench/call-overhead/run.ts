/**
 * bench/call-overhead: what `engine.call` costs over raw `@extism/extism` `plugin.call` on the
 * same plugin and input, measured side by side in one run; and install-to-first-call against
 * raw `createPlugin` + `call`.
 *
 * Run: npm run bench:call-overhead   (builds the examples first)
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
const calls = await sideBySide(ROUNDS, {
  raw: () => timeLoop(CALLS, () => raw.call("greet", input)),
  engine: () => timeLoop(CALLS, () => engine.call("hello", "greet", input)),
});
const ratios = calls.raw.map((r, i) => (calls.engine[i] as number) / r);

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
console.log(`hello.greet("${input}"), ${CALLS} sequential calls per round, ${ROUNDS} rounds, order alternating; medians.`);
console.log("");
console.log("| what | raw @extism/extism | Threadspace engine | ratio (median of per-round ratios) |");
console.log("|---|---|---|---|");
console.log(`| call | ${fixed(median(calls.raw))} µs | ${fixed(median(calls.engine))} µs | ${fixed(median(ratios), 3)} |`);
console.log(
  `| install → first call (${INSTALLS} per round) | ${fixed(median(installs.raw) / 1000, 3)} ms | ${fixed(median(installs.engine) / 1000, 3)} ms | ${fixed(median(installRatios), 3)} |`,
);
console.log("");
console.log(`per-round call ratios: ${ratios.map((r) => fixed(r, 3)).join(", ")}`);
await raw.close();
await engine.close();
