/**
 * bench/replay: what recording costs a call (docs/replay.md). memory-analyzer's analyze_memory
 * (3 host calls) in one engine: unrecorded, with `{ record: true }`, and in an engine created with
 * `record: "errors"` (every call recorded, successful traces dropped); then `engine.replay` of the
 * recorded trace. Alternating rounds, medians.
 *
 * Run: npx tsx --conditions=source bench/replay/record-cost.ts   (needs the examples built)
 */
import { createEngine, type CallTrace, type Engine } from "@threadspace/core";
import { fileURLToPath } from "node:url";
import { fixed, machineLine, median, sideBySide, timeLoop } from "../lib/measure.ts";

const CALLS = Number(process.env["CALLS"] ?? 2_000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const dir = fileURLToPath(new URL("../../examples/memory-analyzer/", import.meta.url));
const content = "Replay makes bugs reproducible. Every host reply comes from the trace, so the call runs again the same way.";

async function engineWith(options: Parameters<typeof createEngine>[0]): Promise<{ engine: Engine; id: string }> {
  const engine = await createEngine({ grant: true, ...options });
  await engine.install(dir);
  return { engine, id: engine.memories.put({ content }).id };
}

const plain = await engineWith({});
const errors = await engineWith({ record: "errors" });
const trace = (await plain.engine.call("memory-analyzer", "analyze_memory", plain.id, { record: true })).trace as CallTrace;
if (!(await plain.engine.replay(trace)).output) throw new Error("the replay failed");

const runs = {
  unrecorded: () => timeLoop(CALLS, () => plain.engine.call("memory-analyzer", "analyze_memory", plain.id)),
  "record: true": () => timeLoop(CALLS, () => plain.engine.call("memory-analyzer", "analyze_memory", plain.id, { record: true })),
  'engine record: "errors"': () => timeLoop(CALLS, () => errors.engine.call("memory-analyzer", "analyze_memory", errors.id)),
  "engine.replay(trace)": () => timeLoop(CALLS, () => plain.engine.replay(trace)),
};
for (const run of Object.values(runs)) await run();
const results = await sideBySide(ROUNDS, runs);
const base = median(results.unrecorded);
console.log(`## replay: recording cost (${machineLine()})`);
console.log(`memory-analyzer analyze_memory, ${CALLS} calls per round, ${ROUNDS} rounds, medians; trace ${JSON.stringify(trace).length} bytes of JSON.\n`);
console.log("| path | µs per call | vs unrecorded |\n|---|---:|---:|");
for (const [name, times] of Object.entries(results) as [string, number[]][]) console.log(`| ${name} | ${fixed(median(times))} | ${fixed(median(times) / base)}× |`);
await plain.engine.close();
await errors.engine.close();
