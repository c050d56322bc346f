/**
 * bench/scale: what many plugins in one engine cost, side by side in one run:
 * - N plugins installed in one engine, inline (N = SCALE_N, default 1,000), pooled (N =
 *   SCALE_POOL_N, default 1,000, in the default pool: one worker per core) and one worker each
 *   (N = SCALE_WORKER_N, default 50): install time, RSS and heap per plugin, first-call latency;
 * - call cost of one plugin inline, pooled and in a worker of its own (CALLS per round);
 * - install → first call against raw @extism/extism `createPlugin` + call of the same bytes;
 * - event fan-out: one `engine.events.emit` delivered to 100 and to 1,000 subscribed plugins.
 *
 * Run: npm run bench:scale   (builds the packages, examples and fixtures, then runs
 *      `node --expose-gc --import tsx bench/scale/run.ts` against the built packages, as an
 *      embedder runs them: tsx's transform of the TypeScript sources adds a `__name` call to
 *      every function and class, which costs the engine's install path about 10%).
 * Knobs: SCALE_N, SCALE_POOL_N, SCALE_WORKER_N, CALLS, ROUNDS, INSTALLS (per round), LATENCY_N, FANOUT ("100,1000"), EVENTS (per round),
 *        HELD_EVENTS (queued at once for the memory figure).
 */
import createPlugin from "@extism/extism";
import { createEngine, type Engine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { fixed, machineLine, median, sideBySide, timeLoop } from "../lib/measure.ts";

const SCALE_N = Number(process.env["SCALE_N"] ?? 1000);
const SCALE_WORKER_N = Number(process.env["SCALE_WORKER_N"] ?? 50);
const SCALE_POOL_N = Number(process.env["SCALE_POOL_N"] ?? 1000);
const CALLS = Number(process.env["CALLS"] ?? 2000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const INSTALLS = Number(process.env["INSTALLS"] ?? 100);
/** Install → first call pairs in the latency view (one at a time, raw and engine alternating). */
const LATENCY_N = Number(process.env["LATENCY_N"] ?? 1000);
const FANOUT = (process.env["FANOUT"] ?? "100,1000").split(",").map(Number);
const EVENTS = Number(process.env["EVENTS"] ?? 20);
/** Events queued at once for the memory figure (below the engine's per-plugin queue of 1,000). */
const HELD_EVENTS = Number(process.env["HELD_EVENTS"] ?? 100);

const root = new URL("../../", import.meta.url);
const helloDir = fileURLToPath(new URL("examples/hello/", root));
const manifest = JSON.parse(await readFile(`${helloDir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${helloDir}plugin.wasm`));
const subscriberManifest = JSON.parse(await readFile(fileURLToPath(new URL("test/fixtures/wat/subscriber.json", root)), "utf8")) as Record<string, unknown>;
const subscriberWasm = new Uint8Array(await readFile(fileURLToPath(new URL("test/fixtures/build/subscriber.wasm", root))));
const input = "World";
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn("run with node --expose-gc (npm run bench:scale does): memory figures are rough without it");
const load = loadavg().map((l) => l.toFixed(1)).join(" / ");

type Isolation = "inline" | "pool" | "worker";
/** hello under another name: "interface": "extism" (its get_metadata names itself "hello"). */
const helloAs = (name: string, isolation: Isolation) => ({ manifest: { ...manifest, name, interface: "extism", limits: { isolation } }, wasm });
const expected = "Hello, World!";

async function settle(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

// --- N plugins in one engine -------------------------------------------------------------------
interface ManyResult {
  n: number;
  installMs: number;
  installCpuMs: number;
  rssKiB: number;
  heapKiB: number;
  firstCall: number[];
  /** The process's RSS with the N plugins installed and called, in MiB (all threads: pool workers included). */
  rssTotalMiB: number;
}
async function many(n: number, isolation: Isolation): Promise<ManyResult> {
  const engine = await createEngine({ logger: quiet });
  const before = await settle();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await engine.install(helloAs(`p${i}`, isolation));
  const installMs = (performance.now() - started) / n;
  const installCpuMs = cpuMs(cpu) / n;
  const firstCall: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const text = (await engine.call(`p${i}`, "greet", input)).text();
    firstCall.push(performance.now() - t);
    if (text !== expected) throw new Error(`p${i} answered ${text}`);
  }
  const after = await settle();
  await engine.close();
  return { n, installMs, installCpuMs, rssKiB: (after.rss - before.rss) / n / 1024, heapKiB: (after.heap - before.heap) / n / 1024, firstCall, rssTotalMiB: after.rss / 1024 / 1024 };
}
const inlineMany = await many(SCALE_N, "inline");
const pooledMany = await many(SCALE_POOL_N, "pool");
const workerMany = await many(SCALE_WORKER_N, "worker");

// --- call cost: one plugin inline, pooled, in a worker of its own -------------------------------
const callEngine = await createEngine({ logger: quiet });
for (const isolation of ["inline", "pool", "worker"] as const) await callEngine.install(helloAs(`c-${isolation}`, isolation));
const callLoop = (isolation: Isolation) => () =>
  timeLoop(CALLS, async () => {
    const text = (await callEngine.call(`c-${isolation}`, "greet", input)).text();
    if (text !== expected) throw new Error(`c-${isolation} answered ${text}`);
  });
await callLoop("pool")();
await callLoop("worker")();
const calls = await sideBySide(ROUNDS, { inline: callLoop("inline"), pool: callLoop("pool"), worker: callLoop("worker") });
await callEngine.close();

// --- install → first call against raw Extism ---------------------------------------------------
const rawText = async (withLifecycle: boolean) => {
  const plugin = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false, config: { greeting: "Hello" } });
  if (withLifecycle) {
    await plugin.call("init_plugin", "");
    await plugin.call("get_metadata", "");
  }
  const text = (await plugin.call("greet", input))?.text();
  await plugin.close();
  return text;
};
const installEngine: Engine = await createEngine({ logger: quiet });
let serial = 0;
/** Installs, calls once and uninstalls: the extism interface under a fresh name, or hello itself with its lifecycle. */
const engineText = async (withLifecycle: boolean) => {
  const source = withLifecycle ? { manifest, wasm } : helloAs(`i${serial++}`, "inline");
  const { name } = await installEngine.install(source);
  const text = (await installEngine.call(name, "greet", input)).text();
  await installEngine.uninstall(name, { keepData: false });
  return text;
};
for (const lifecycle of [false, true]) {
  const [a, b] = [await rawText(lifecycle), await engineText(lifecycle)];
  if (a !== expected || b !== expected) throw new Error(`outputs differ: raw ${a}, engine ${b}`);
}
await timeLoop(INSTALLS, () => rawText(false));
await timeLoop(INSTALLS, () => engineText(false));
/** Process CPU time (all threads: compiles run off the main thread) per install, by contender and round. */
const installCpu: Record<string, number[]> = { raw: [], engine: [], rawLifecycle: [], engineLifecycle: [] };
const timed = (name: string, fn: () => Promise<unknown>) => async () => {
  const cpu = process.cpuUsage();
  const us = await timeLoop(INSTALLS, fn);
  installCpu[name]?.push(cpuMs(cpu) / INSTALLS);
  return us;
};
const installs = await sideBySide(ROUNDS, {
  raw: timed("raw", () => rawText(false)),
  engine: timed("engine", () => engineText(false)),
  rawLifecycle: timed("rawLifecycle", () => rawText(true)),
  engineLifecycle: timed("engineLifecycle", () => engineText(true)),
});
const cpuOf = (name: string) => installCpu[name] as number[];
/**
 * Latency view: one install → first call at a time, raw and engine alternating (order flipped
 * every step), wall time of each. Unlike the loops above, where raw's back-to-back createPlugin
 * calls find V8's compiled code of the same bytes still alive, here the engine's work between
 * two raw installs lets the GC take it, as in an app that installs a plugin now and then.
 */
const latency: Record<string, number[]> = { raw: [], engine: [], rawLifecycle: [], engineLifecycle: [] };
const latencySteps: [string, () => Promise<unknown>][] = [
  ["raw", () => rawText(false)],
  ["engine", () => engineText(false)],
  ["rawLifecycle", () => rawText(true)],
  ["engineLifecycle", () => engineText(true)],
];
for (let i = 0; i < LATENCY_N; i++) {
  for (const [name, step] of i % 2 === 0 ? latencySteps : [...latencySteps].reverse()) {
    const started = performance.now();
    await step();
    latency[name]?.push((performance.now() - started) * 1000);
  }
}
await installEngine.close();
const perRound = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] as number)));

// --- event fan-out ----------------------------------------------------------------------------
interface FanoutResult {
  n: number;
  perSecond: number[];
  /** Deliveries per second of process CPU time (all threads): steadier than wall time on a loaded machine. */
  perCpuSecond: number[];
  heldBytes: number;
}
async function fanout(n: number): Promise<FanoutResult> {
  const engine = await createEngine({ logger: quiet, grant: true });
  for (let i = 0; i < n; i++) await engine.install({ manifest: { ...subscriberManifest, name: `s${i}` }, wasm: subscriberWasm });
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  let emitted = 0;
  const drained = async () => {
    for (;;) {
      let delivered = 0;
      for (const name of names) delivered += engine.events.stats(name).delivered;
      if (delivered >= n * emitted) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const burst = (count: number) => {
    for (let k = 0; k < count; k++) engine.events.emit("bench.tick", { k: emitted++ });
  };
  burst(EVENTS);
  await drained();
  // Memory held while a burst is queued (delivery starts after the emitting code returns).
  const before = await settle();
  burst(HELD_EVENTS);
  gc?.();
  const held = process.memoryUsage().heapUsed - before.heap;
  await drained();
  const perSecond: number[] = [];
  const perCpuSecond: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    burst(EVENTS);
    await drained();
    perSecond.push((n * EVENTS) / ((performance.now() - started) / 1000));
    perCpuSecond.push((n * EVENTS) / (cpuMs(cpu) / 1000));
  }
  for (const name of [names[0] as string, names[n - 1] as string]) {
    const count = (await engine.call(name, "count")).text();
    if (count !== String(emitted)) throw new Error(`${name} counted ${count} events, ${emitted} were emitted`);
  }
  await engine.close();
  return { n, perSecond, perCpuSecond, heldBytes: held / (n * HELD_EVENTS) };
}
const fanouts: FanoutResult[] = [];
for (const n of FANOUT) fanouts.push(await fanout(n));

// --- report -----------------------------------------------------------------------------------
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))] as number;
const k = (value: number) => `${fixed(value / 1000, 0)}k/s`;
console.log(`## scale (${machineLine()}, ${new Date().toISOString().slice(0, 10)}, load average ${load} at start)`);
console.log("");
console.log(`N plugins in one engine: examples/hello ("interface": "extism") under N names, installed one after another; memory after gc, first call = greet("${input}").`);
console.log("");
console.log("| mode | N | install (wall) per plugin | install (process CPU) per plugin | RSS per plugin | heap per plugin | first call median | first call p95 |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [mode, r] of [["inline", inlineMany], ["pool (default pool)", pooledMany], ["worker (one each)", workerMany]] as const) {
  console.log(`| ${mode} | ${r.n} | ${fixed(r.installMs, 2)} ms | ${fixed(r.installCpuMs, 2)} ms | ${fixed(r.rssKiB, 0)} KiB | ${fixed(r.heapKiB, 1)} KiB | ${fixed(median(r.firstCall) * 1000, 0)} µs | ${fixed(p95(r.firstCall) * 1000, 0)} µs |`);
}
console.log("");
console.log(`Process RSS with them all installed and called: inline ${fixed(inlineMany.rssTotalMiB, 0)} MiB, pooled ${fixed(pooledMany.rssTotalMiB, 0)} MiB (${pooledMany.n} plugins in ${"the default pool"}), worker ${fixed(workerMany.rssTotalMiB, 0)} MiB (${workerMany.n} plugins).`);
console.log("");
console.log(`Call cost, one plugin (greet("${input}"), ${CALLS} calls per round, ${ROUNDS} rounds, order rotating; medians; spin defaults):`);
console.log("");
console.log("| mode | µs per call | ÷ inline |");
console.log("|---|---|---|");
for (const mode of ["inline", "pool", "worker"] as const) console.log(`| ${mode} | ${fixed(median(calls[mode]), 2)} | ${fixed(median(calls[mode].map((x, i) => x / (calls.inline[i] as number))), 2)}× |`);
console.log("");
console.log(`Install → first call of the same bytes (one engine: install, greet, uninstall; ${INSTALLS} per round, ${ROUNDS} rounds, order rotating; medians):`);
console.log("");
console.log("| what | raw @extism/extism wall / CPU | Threadspace engine wall / CPU | engine ÷ raw, wall | engine ÷ raw, CPU |");
console.log("|---|---|---|---|---|");
for (const [what, raw, eng] of [
  ['"interface": "extism" (raw: createPlugin, greet, close)', "raw", "engine"],
  ["with the lifecycle (raw also calls init_plugin and get_metadata)", "rawLifecycle", "engineLifecycle"],
] as const) {
  console.log(`| ${what} | ${fixed(median(installs[raw]) / 1000, 3)} / ${fixed(median(cpuOf(raw)), 3)} ms | ${fixed(median(installs[eng]) / 1000, 3)} / ${fixed(median(cpuOf(eng)), 3)} ms | **${fixed(perRound(installs[eng], installs[raw]), 2)}×** | **${fixed(perRound(cpuOf(eng), cpuOf(raw)), 2)}×** |`);
}
console.log("");
console.log("(ratios: median of per-round ratios; CPU: process.cpuUsage, all threads, per install)");
console.log("");
console.log(`Install → first call latency (${LATENCY_N} of each, one at a time, raw and engine alternating; wall time of install + first call + uninstall/close):`);
console.log("");
console.log("| what | raw median / p95 / mean | engine median / p95 / mean | engine ÷ raw, median | engine ÷ raw, mean |");
console.log("|---|---|---|---|---|");
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const µs = (value: number) => `${fixed(value, 0)} µs`;
for (const [what, raw, eng] of [
  ['"interface": "extism"', "raw", "engine"],
  ["with the lifecycle", "rawLifecycle", "engineLifecycle"],
] as const) {
  const r = latency[raw] as number[];
  const e = latency[eng] as number[];
  console.log(`| ${what} | ${µs(median(r))} / ${µs(p95(r))} / ${µs(mean(r))} | ${µs(median(e))} / ${µs(p95(e))} / ${µs(mean(e))} | **${fixed(median(e) / median(r), 2)}×** | **${fixed(mean(e) / mean(r), 2)}×** |`);
}
console.log("");
console.log(`Event fan-out (test/fixtures/wat/subscriber.wat: on_event counts; bursts of ${EVENTS} emits, ${ROUNDS} rounds; each subscriber's count checked):`);
console.log("");
console.log(`(heap held: heap after gc with ${HELD_EVENTS} events queued for every subscriber, less before, per queued delivery; one envelope per event is shared by its subscribers)`);
console.log("");
console.log("| subscribers | deliveries/s, wall (median) | min–max | deliveries per CPU second (median) | heap held per queued delivery |");
console.log("|---|---|---|---|---|");
for (const f of fanouts) console.log(`| ${f.n} | **${k(median(f.perSecond))}** | ${k(Math.min(...f.perSecond))}–${k(Math.max(...f.perSecond))} | ${k(median(f.perCpuSecond))} | ${fixed(f.heldBytes, 0)} B |`);
