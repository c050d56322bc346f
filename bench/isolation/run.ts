/**
 * bench/isolation: what a call costs in each execution mode, side by side in one run:
 * raw @extism/extism inline, engine inline, raw Extism `runInWorker`, engine `worker` isolation
 * over its default transport (the shared-memory bridge) and over Extism's runInWorker;
 * how long after a timeout a fresh instance serves again; memory per idle plugin in each mode.
 *
 * Run: npx tsx --conditions=source bench/isolation/run.ts   (needs examples/hello built: npm run build:examples,
 *      and the fixtures: npm run build:fixtures). Knobs: ROUNDS, INLINE_CALLS, WORKER_CALLS,
 *      TIMEOUTS, IDLE_PLUGINS. For memory figures run with `node --expose-gc --conditions=source --import tsx`.
 */
import createPlugin from "@extism/extism";
import { createEngine, type Engine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fixed, machineLine, median, sideBySide, timeLoop } from "../lib/measure.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const INLINE_CALLS = Number(process.env["INLINE_CALLS"] ?? 50_000);
const WORKER_CALLS = Number(process.env["WORKER_CALLS"] ?? 5_000);
const TIMEOUTS = Number(process.env["TIMEOUTS"] ?? 7);
const IDLE_PLUGINS = Number(process.env["IDLE_PLUGINS"] ?? 8);
const TIMEOUT_MS = 100;

const root = new URL("../../", import.meta.url);
const helloDir = fileURLToPath(new URL("examples/hello/", root));
const manifest = JSON.parse(await readFile(`${helloDir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${helloDir}plugin.wasm`));
const isoWasm = new Uint8Array(await readFile(fileURLToPath(new URL("test/fixtures/build/isolation.wasm", root))));
const isoManifest = JSON.parse(await readFile(fileURLToPath(new URL("test/fixtures/wat/isolation.json", root)), "utf8")) as Record<string, unknown>;
const input = "World";
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

// --- per-call cost ----------------------------------------------------------------------------
const rawInline = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" } });
await rawInline.call("init_plugin", "");
const rawWorker = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" }, runInWorker: true });
await rawWorker.call("init_plugin", "");
// Two engines: get_metadata must match the plugin's name.
const inlineEngine = await createEngine({ logger: quiet });
await inlineEngine.install({ manifest: { ...manifest, limits: { isolation: "inline" } }, wasm });
const workerEngine = await createEngine({ logger: quiet });
// The bridge with both sides asleep between messages (no spinning): the floor when no core is free.
const unspunEngine = await createEngine({ logger: quiet, isolation: { spinMicros: { engine: 0, worker: 0 } } });
await unspunEngine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm });
await workerEngine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm });
const extismWorkerEngine = await createEngine({ logger: quiet, isolation: { transport: "extism" } });
await extismWorkerEngine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm });
type Mode = "inline" | "worker" | "worker-unspun" | "worker-extism";
const engines: Record<Mode, Engine> = { inline: inlineEngine, worker: workerEngine, "worker-unspun": unspunEngine, "worker-extism": extismWorkerEngine };
const engine = { call: (mode: Mode, fn: string, text: string) => engines[mode].call("hello", fn, text), close: async () => void (await Promise.all(Object.values(engines).map((e) => e.close()))) };

const expected = (await rawInline.call("greet", input))?.text();
for (const text of [(await rawWorker.call("greet", input))?.text(), (await engine.call("inline", "greet", input)).text(), (await engine.call("worker", "greet", input)).text(), (await engine.call("worker-extism", "greet", input)).text()]) {
  if (text !== expected) throw new Error(`outputs differ: ${text} vs ${expected}`);
}

// rc13's worker mode fails after 16,383 calls without reset(): the raw contender resets as the engine does.
let rawWorkerCalls = 0;
const rawWorkerCall = async () => {
  if (++rawWorkerCalls % 1000 === 0) await rawWorker.reset();
  return rawWorker.call("greet", input);
};

await timeLoop(INLINE_CALLS, () => rawInline.call("greet", input));
await timeLoop(INLINE_CALLS, () => engine.call("inline", "greet", input));
await timeLoop(WORKER_CALLS, rawWorkerCall);
await timeLoop(WORKER_CALLS, () => engine.call("worker", "greet", input));
await timeLoop(WORKER_CALLS, () => engine.call("worker-unspun", "greet", input));
await timeLoop(WORKER_CALLS, () => engine.call("worker-extism", "greet", input));
const calls = await sideBySide(ROUNDS, {
  rawInline: () => timeLoop(INLINE_CALLS, () => rawInline.call("greet", input)),
  engineInline: () => timeLoop(INLINE_CALLS, () => engine.call("inline", "greet", input)),
  rawWorker: () => timeLoop(WORKER_CALLS, rawWorkerCall),
  engineWorker: () => timeLoop(WORKER_CALLS, () => engine.call("worker", "greet", input)),
  engineWorkerUnspun: () => timeLoop(WORKER_CALLS, () => engine.call("worker-unspun", "greet", input)),
  engineWorkerExtism: () => timeLoop(WORKER_CALLS, () => engine.call("worker-extism", "greet", input)),
});
const perRound = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] as number)));
await rawInline.close();
await rawWorker.close();
await engine.close();

// --- timeout → working fresh instance ---------------------------------------------------------
/** ms past the limit at which the call rejected, and ms from the rejection to the next call's answer. */
/** `retryAfterMs`: the next call comes this long after the rejection (the worker is started ahead meanwhile); recover counts from the retry. */
async function engineTimeouts(transport: "bridge" | "extism", retryAfterMs = 0): Promise<{ overshoot: number[]; recover: number[] }> {
  const e: Engine = await createEngine({ logger: quiet, grant: true, isolation: { transport } });
  await e.install({ manifest: { ...isoManifest, limits: { isolation: "worker", timeoutMs: TIMEOUT_MS } }, wasm: isoWasm });
  const overshoot: number[] = [];
  const recover: number[] = [];
  for (let i = 0; i < TIMEOUTS; i++) {
    const started = performance.now();
    await e.call("isolation", "spin").catch(() => undefined);
    let rejected = performance.now();
    overshoot.push(rejected - started - TIMEOUT_MS);
    if (retryAfterMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
      rejected = performance.now();
    }
    await e.call("isolation", "echo", "x");
    recover.push(performance.now() - rejected);
  }
  await e.close();
  return { overshoot, recover };
}

async function rawTimeouts(): Promise<{ overshoot: number[]; recover: number[] }> {
  // Extism guards instantiation with the same timeoutMs: on a loaded machine a start can take
  // longer than 100 ms, so try again a few times.
  const start = () => createPlugin({ wasm: [{ data: isoWasm }] }, { runInWorker: true, timeoutMs: TIMEOUT_MS, logger: quiet as unknown as Console, functions: { "extism:host/user": { ts_kv_set: () => 0n } } });
  let p = await start().catch(() => undefined);
  for (let attempt = 1; p === undefined && attempt < 10; attempt++) p = await start().catch(() => undefined);
  if (p === undefined) throw new Error("raw Extism could not instantiate within its 100 ms timeoutMs in 10 attempts");
  const overshoot: number[] = [];
  const recover: number[] = [];
  for (let i = 0; i < TIMEOUTS; i++) {
    const started = performance.now();
    await p.call("spin", "").catch(() => undefined);
    const rejected = performance.now();
    await p.call("echo", "x");
    overshoot.push(rejected - started - TIMEOUT_MS);
    recover.push(performance.now() - rejected);
  }
  await p.close();
  return { overshoot, recover };
}
const engineTo = await engineTimeouts("bridge");
const engineExtismTo = await engineTimeouts("extism");
const RETRY_AFTER_MS = 200;
const engineLaterTo = await engineTimeouts("bridge", RETRY_AFTER_MS);
const rawTo = await rawTimeouts();

// --- memory per idle plugin -------------------------------------------------------------------
const gc = (globalThis as { gc?: () => void }).gc;
async function settle(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().rss;
}
async function idleMemory(isolation: "inline" | "worker", transport?: "extism"): Promise<number> {
  const e = await createEngine({ logger: quiet, ...(transport === undefined ? {} : { isolation: { transport } }) });
  const before = await settle();
  for (let i = 0; i < IDLE_PLUGINS; i++) await e.install({ manifest: { ...manifest, name: `p${i}`, interface: "extism", limits: { isolation } }, wasm });
  for (let i = 0; i < IDLE_PLUGINS; i++) await e.call(`p${i}`, "greet", input);
  const after = await settle();
  await e.close();
  return (after - before) / IDLE_PLUGINS / 1048576;
}
const memInline = await idleMemory("inline");
const memWorker = await idleMemory("worker");
const memWorkerExtism = await idleMemory("worker", "extism");

// --- report -----------------------------------------------------------------------------------
const ms = (values: number[]) => `${fixed(median(values), 1)} ms`;
console.log(`## isolation (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`examples/hello greet("${input}"); ${INLINE_CALLS} inline / ${WORKER_CALLS} worker sequential calls per round, ${ROUNDS} rounds, order rotating; medians.`);
console.log("");
console.log("| mode | raw @extism/extism | Threadspace engine | engine ÷ raw | ÷ raw inline |");
console.log("|---|---|---|---|---|");
console.log(`| inline | ${fixed(median(calls.rawInline))} µs | ${fixed(median(calls.engineInline))} µs | ${fixed(perRound(calls.engineInline, calls.rawInline), 3)} | ${fixed(perRound(calls.engineInline, calls.rawInline), 1)}× |`);
console.log(`| worker, engine default (bridge, spins ≤ 20 µs engine / ≤ 100 µs worker) vs raw runInWorker | ${fixed(median(calls.rawWorker))} µs | ${fixed(median(calls.engineWorker))} µs | ${fixed(perRound(calls.engineWorker, calls.rawWorker), 3)} | **${fixed(perRound(calls.engineWorker, calls.rawInline), 1)}×** (÷ engine inline ${fixed(perRound(calls.engineWorker, calls.engineInline), 1)}×) |`);
console.log(`| worker, bridge without spinning (spinMicros 0/0) | ${fixed(median(calls.rawWorker))} µs | ${fixed(median(calls.engineWorkerUnspun))} µs | ${fixed(perRound(calls.engineWorkerUnspun, calls.rawWorker), 3)} | ${fixed(perRound(calls.engineWorkerUnspun, calls.rawInline), 1)}× |`);
console.log(`| worker, transport "extism" (runInWorker; raw resets every 1000 calls, the engine every 16) | ${fixed(median(calls.rawWorker))} µs | ${fixed(median(calls.engineWorkerExtism))} µs | ${fixed(perRound(calls.engineWorkerExtism, calls.rawWorker), 3)} | ${fixed(perRound(calls.engineWorkerExtism, calls.rawInline), 1)}× |`);
console.log("");
console.log(`Timeouts (isolation fixture, spin, timeoutMs ${TIMEOUT_MS}, ${TIMEOUTS} runs; medians):`);
console.log("");
console.log("| | rejected after the limit by | rejection → next call answered |");
console.log("|---|---|---|");
console.log(`| engine, bridge (own timer, terminate, fresh instance + init_plugin + get_metadata on the next call) | ${ms(engineTo.overshoot)} | ${ms(engineTo.recover)} |`);
console.log(`| engine, transport "extism" (same steps over runInWorker) | ${ms(engineExtismTo.overshoot)} | ${ms(engineExtismTo.recover)} |`);
console.log(`| engine, bridge, the retry ${RETRY_AFTER_MS} ms after the rejection (its worker started ahead: only init_plugin + get_metadata + the call remain) | ${ms(engineLaterTo.overshoot)} | ${ms(engineLaterTo.recover)} (from the retry) |`);
console.log(`| raw Extism timeoutMs (restarts the worker before rejecting; no init_plugin) | ${ms(rawTo.overshoot)} | ${ms(rawTo.recover)} |`);
console.log("");
console.log(`Memory per idle plugin (RSS delta over ${IDLE_PLUGINS} plugins${gc === undefined ? ", no --expose-gc: rough" : ""}): inline ${fixed(memInline, 2)} MiB, worker (bridge) ${fixed(memWorker, 2)} MiB, worker (transport "extism") ${fixed(memWorkerExtism, 2)} MiB.`);
