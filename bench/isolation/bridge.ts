/**
 * bench/isolation/bridge.ts: one call's cost through the shared-memory bridge
 * (packages/core/src/isolation/bridge: Extism inline inside our own worker, driven over a
 * SharedArrayBuffer + Atomics) against an inline call (raw Extism and the engine) and against
 * Extism's own `runInWorker`, side by side in one run. examples/hello `greet`, 5-byte input.
 *
 * Run: npx tsx --conditions=source bench/isolation/bridge.ts   (needs examples/hello built: npm run build:examples)
 * Knobs: ROUNDS, INLINE_CALLS, WORKER_CALLS.
 *
 * "CPU/call" is the whole process's CPU time (all threads) per call: spinning buys latency with
 * CPU, this column shows how much.
 */
import createPlugin from "@extism/extism";
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { BridgeInstance } from "../../packages/core/src/isolation/bridge/bridge-instance.ts";
import { fixed, machineLine, median, sideBySide } from "../lib/measure.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const INLINE_CALLS = Number(process.env["INLINE_CALLS"] ?? 50_000);
const WORKER_CALLS = Number(process.env["WORKER_CALLS"] ?? 5_000);

const helloDir = fileURLToPath(new URL("../../examples/hello/", import.meta.url));
const manifest = JSON.parse(await readFile(`${helloDir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${helloDir}plugin.wasm`));
const module = await WebAssembly.compile(wasm);
const input = "World";
const config = { greeting: "Hello" };
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const rawInline = await createPlugin({ wasm: [{ module }] }, { config });
await rawInline.call("init_plugin", "");
const engine = await createEngine({ logger: quiet });
await engine.install({ manifest: { ...manifest, limits: { isolation: "inline" } }, wasm });
const rawWorker = await createPlugin({ wasm: [{ module }] }, { config, runInWorker: true });
await rawWorker.call("init_plugin", "");
let rawWorkerCalls = 0;
const rawWorkerCall = async () => {
  if (++rawWorkerCalls % 1000 === 0) await rawWorker.reset(); // rc13 fails after 16,383 calls without it
  return rawWorker.call("greet", input);
};

/** Bridge settings compared: µs the engine's thread / the worker busy-poll before sleeping. */
const SETTINGS = [
  { key: "bridge0", label: "bridge, no spinning (engine waitAsync, worker Atomics.wait)", spinMicros: 0, workerSpinMicros: 0 },
  { key: "bridgeW", label: "bridge, worker spins ≤ 100 µs (adaptive)", spinMicros: 0, workerSpinMicros: 100 },
  { key: "bridge20", label: "bridge, engine spins ≤ 20 µs, worker ≤ 100 µs (adaptive)", spinMicros: 20, workerSpinMicros: 100 },
  { key: "bridge50", label: "bridge, engine spins ≤ 50 µs, worker ≤ 200 µs (adaptive)", spinMicros: 50, workerSpinMicros: 200 },
] as const;
const bridges = new Map<string, BridgeInstance>();
for (const setting of SETTINGS) {
  const bridge = await BridgeInstance.start(module, { config, spinMicros: setting.spinMicros, workerSpinMicros: setting.workerSpinMicros });
  await bridge.call("init_plugin", "");
  bridges.set(setting.key, bridge);
}

const expected = (await rawInline.call("greet", input))?.text();
const decoder = new TextDecoder();
for (const bridge of bridges.values()) {
  const text = decoder.decode((await bridge.call("greet", input)).output ?? new Uint8Array(0));
  if (text !== expected) throw new Error(`bridge output differs: ${text} vs ${expected}`);
}
if ((await engine.call("hello", "greet", input)).text() !== expected) throw new Error("engine output differs");

/** Wall µs per call and process CPU µs per call. */
const cpu = new Map<string, number[]>();
async function loop(key: string, iterations: number, fn: () => Promise<unknown>): Promise<number> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  const wall = ((performance.now() - start) * 1000) / iterations;
  const used = process.cpuUsage(cpu0);
  (cpu.get(key) ?? cpu.set(key, []).get(key))?.push((used.user + used.system) / iterations);
  return wall;
}

const contenders: Record<string, () => Promise<number>> = {
  rawInline: () => loop("rawInline", INLINE_CALLS, () => rawInline.call("greet", input)),
  engineInline: () => loop("engineInline", INLINE_CALLS, () => engine.call("hello", "greet", input)),
  rawWorker: () => loop("rawWorker", WORKER_CALLS, rawWorkerCall),
};
for (const setting of SETTINGS) {
  const bridge = bridges.get(setting.key) as BridgeInstance;
  contenders[setting.key] = () => loop(setting.key, WORKER_CALLS, () => bridge.call("greet", input));
}
for (const run of Object.values(contenders)) await run(); // warm-up
cpu.clear();
const results = await sideBySide(ROUNDS, contenders);
const base = median(results["rawInline"] as number[]);

const rows: [string, string][] = [
  ["rawInline", "Extism inline (raw `plugin.call`)"],
  ["engineInline", "engine, `inline` isolation"],
  ...SETTINGS.map((s) => [s.key, s.label] as [string, string]),
  ["rawWorker", "Extism `runInWorker` (raw, reset every 1000 calls)"],
];
console.log(`bench/isolation/bridge: examples/hello greet("${input}"), ${machineLine()}, median of ${ROUNDS} rounds (inline ${INLINE_CALLS} calls, worker ${WORKER_CALLS} calls a round)\n`);
console.log("| path | µs/call | calls/s | vs raw inline | CPU µs/call (all threads) |");
console.log("|---|---|---|---|---|");
for (const [key, label] of rows) {
  const us = median(results[key] as number[]);
  console.log(`| ${label} | ${fixed(us)} | ${Math.round(1e6 / us / 1000)}k | ${fixed(us / base, 1)}× | ${fixed(median(cpu.get(key) ?? [0]))} |`);
}

await rawInline.close();
await rawWorker.close();
await engine.close();
for (const bridge of bridges.values()) await bridge.close();

// --- one host call per call: test/fixtures isolation `set` (ts_kv_set with the input, replies its answer) ---
const isoModule = await WebAssembly.compile(await readFile(fileURLToPath(new URL("../../test/fixtures/build/isolation.wasm", import.meta.url))));
const kvSet = { ts_kv_set: (context: { read(h: bigint): { text(): string } | null; store(v: string): bigint }, handle: bigint) => context.store(`ok:${context.read(handle)?.text()}`) };
const hostInline = await createPlugin({ wasm: [{ module: isoModule }] }, { functions: { "extism:host/user": kvSet as never } });
const hostWorker = await createPlugin({ wasm: [{ module: isoModule }] }, { runInWorker: true, functions: { "extism:host/user": kvSet as never } });
let hostWorkerCalls = 0;
const hostBridges = new Map<string, BridgeInstance>();
for (const setting of SETTINGS) {
  hostBridges.set(setting.key, await BridgeInstance.start(isoModule, { functions: kvSet, spinMicros: setting.spinMicros, workerSpinMicros: setting.workerSpinMicros }));
}
const hostContenders: Record<string, () => Promise<number>> = {
  rawInline: () => loop("h.rawInline", INLINE_CALLS, () => hostInline.call("set", input)),
  rawWorker: () =>
    loop("h.rawWorker", WORKER_CALLS, async () => {
      if (++hostWorkerCalls % 16 === 0) await hostWorker.reset();
      return hostWorker.call("set", input);
    }),
};
for (const setting of SETTINGS) {
  const bridge = hostBridges.get(setting.key) as BridgeInstance;
  if (decoder.decode((await bridge.call("set", input)).output ?? new Uint8Array(0)) !== `ok:${input}`) throw new Error("bridge host call output differs");
  hostContenders[setting.key] = () => loop(`h.${setting.key}`, WORKER_CALLS, () => bridge.call("set", input));
}
for (const run of Object.values(hostContenders)) await run();
cpu.clear();
const hostResults = await sideBySide(ROUNDS, hostContenders);
const hostBase = median(hostResults["rawInline"] as number[]);
console.log(`\nOne host call per call (test/fixtures isolation \`set\` → ts_kv_set, served on the engine's thread):\n`);
console.log("| path | µs/call | calls/s | vs raw inline | CPU µs/call (all threads) |");
console.log("|---|---|---|---|---|");
for (const [key, label] of rows) {
  if (key === "engineInline") continue;
  const results = hostResults[key];
  if (results === undefined) continue;
  const us = median(results);
  const shownLabel = key === "rawWorker" ? "Extism `runInWorker` (raw, reset every 16 calls)" : label;
  console.log(`| ${shownLabel} | ${fixed(us)} | ${Math.round(1e6 / us / 1000)}k | ${fixed(us / hostBase, 1)}× | ${fixed(median(cpu.get(`h.${key}`) ?? [0]))} |`);
}
await hostInline.close();
await hostWorker.close();
for (const bridge of hostBridges.values()) await bridge.close();
