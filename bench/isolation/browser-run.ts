/**
 * bench/isolation/browser-run.ts: the browser half of bench/isolation, in headless Chromium (run
 * by `npm run bench:isolation:browser`). Calls per second of examples/hello `greet("World")`
 * through raw @extism/extism inline, the engine inline, the engine's worker isolation over the
 * shared-memory bridge (default, and without spinning), over Extism's runInWorker (transport
 * "extism"), and raw Extism `runInWorker` — side by side, order rotating, in windows of MS ms.
 * Ratios are medians of per-round ratios (each round measures every contender within seconds).
 */
import createPlugin from "@extism/extism";
import { createEngine, type Engine } from "@threadspace/core";
import { test } from "vitest";
import { fetchBytes, median, opsPerSecond } from "../lib/browser.ts";

const ROUNDS = 9;
const MS = 300;
/** Calls per second of `op` run back to back for MS ms. */
const rate = (op: () => Promise<unknown>): Promise<number> => opsPerSecond(op, MS);
const input = "World";


test("bench/isolation in Chromium", async () => {
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes("/examples/hello/plugin.json"))) as Record<string, unknown>;
  const wasm = await fetchBytes("/examples/hello/plugin.wasm");
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const engineWith = async (isolation: "inline" | "worker", options: Parameters<typeof createEngine>[0] = {}): Promise<Engine> => {
    const engine = await createEngine({ logger: quiet, ...options });
    await engine.install({ manifest: { ...manifest, limits: { isolation } }, wasm });
    return engine;
  };
  const engines = {
    inline: await engineWith("inline"),
    bridge: await engineWith("worker"),
    bridgeUnspun: await engineWith("worker", { isolation: { spinMicros: { engine: 0, worker: 0 } } }),
    extism: await engineWith("worker", { isolation: { transport: "extism" } }),
  };
  const rawInline = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" } });
  const rawWorker = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" }, runInWorker: true });
  let rawWorkerCalls = 0;
  const contenders: Record<string, () => Promise<unknown>> = {
    "raw Extism inline": () => rawInline.call("greet", input),
    "engine, inline": () => engines.inline.call("hello", "greet", input),
    "engine, worker (bridge, default spins)": () => engines.bridge.call("hello", "greet", input),
    "engine, worker (bridge, no spinning)": () => engines.bridgeUnspun.call("hello", "greet", input),
    'engine, worker (transport "extism")': () => engines.extism.call("hello", "greet", input),
    // rc13's worker mode fails after 16,383 calls without reset(): the raw contender resets too.
    "raw Extism runInWorker": async () => {
      if (++rawWorkerCalls % 1000 === 0) await rawWorker.reset();
      return rawWorker.call("greet", input);
    },
  };
  const expected = (await rawInline.call("greet", input))?.text();
  for (const [name, op] of Object.entries(contenders)) {
    const output = (await op()) as { text(): string } | null;
    if (output?.text() !== expected) throw new Error(`${name}: ${output?.text()} instead of ${expected}`);
  }
  const names = Object.keys(contenders);
  const rates: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await rate(contenders[name] as () => Promise<unknown>); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as string;
      (rates[name] as number[]).push(await rate(contenders[name] as () => Promise<unknown>));
    }
  }
  const base = rates["raw Extism inline"] as number[];
  const lines = [
    `## isolation in Chromium (${navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? "Chromium"}, crossOriginIsolated ${String(crossOriginIsolated)}, ${new Date().toISOString().slice(0, 10)})`,
    `examples/hello greet("${input}"), ${ROUNDS} rounds of ${MS} ms per contender, order rotating; medians.`,
    "",
    "| path | calls/s | µs/call | vs raw inline (median of per-round ratios) |",
    "|---|---|---|---|",
  ];
  for (const name of names) {
    const values = rates[name] as number[];
    const ratio = median(values.map((value, i) => (base[i] as number) / value));
    lines.push(`| ${name} | ${Math.round(median(values)).toLocaleString("en")} | ${(1e6 / median(values)).toFixed(2)} | ${ratio.toFixed(2)}× |`);
  }
  console.log(lines.join("\n"));
  await Promise.all(Object.values(engines).map((engine) => engine.close()));
  await rawInline.close();
  await rawWorker.close();
});
