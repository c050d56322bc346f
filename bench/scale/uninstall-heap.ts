/**
 * What an engine keeps per plugin name after `uninstall`: installs examples/hello under ever new
 * names, calls it once, uninstalls it (keepData false in even rounds, true in odd ones), and
 * prints the heap after gc per round and the growth per cycle from the first round on. Run:
 * `node --expose-gc --conditions=source --import tsx bench/scale/uninstall-heap.ts` (ROUNDS, PER_ROUND).
 */
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const dir = new URL("../../examples/hello/", import.meta.url);
const manifest = JSON.parse(await readFile(new URL("plugin.json", dir), "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(new URL("plugin.wasm", dir)));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const engine = await createEngine({ logger: quiet });
const rounds = Number(process.env["ROUNDS"] ?? 5);
const perRound = Number(process.env["PER_ROUND"] ?? 4000);
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const heaps: number[] = [];
let n = 0;
for (let round = 0; round < rounds; round++) {
  const keepData = round % 2 === 1;
  for (let i = 0; i < perRound; i++) {
    const { name } = await engine.install({ manifest: { ...manifest, name: `i${n++}`, interface: "extism", limits: { isolation: "inline" } }, wasm });
    (await engine.call(name, "greet", "World")).text();
    await engine.uninstall(name, { keepData });
  }
  heaps.push(heap());
  console.log(`after ${n} cycles (keepData ${keepData}): heap ${(heaps.at(-1)! / 1024 / 1024).toFixed(1)} MiB`);
}
if (heaps.length > 1) console.log(`growth from round 1 to ${rounds}: ${((heaps.at(-1)! - heaps[0]!) / (perRound * (rounds - 1))).toFixed(0)} bytes per cycle`);
await engine.close();
