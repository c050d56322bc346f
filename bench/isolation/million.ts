/**
 * bench/isolation/million: one plugin serves CALLS (default 1,000,000) calls in a row in each
 * mode, inline and worker, on one instance (the isolation fixture's `counter` keeps its count in
 * guest memory, so the last output proves no restart happened). Not part of `npm test`.
 *
 * Run: npm run build:fixtures && npx tsx --conditions=source bench/isolation/million.ts   (CALLS=... to change)
 */
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fixed, machineLine } from "../lib/measure.ts";

const CALLS = Number(process.env["CALLS"] ?? 1_000_000);
const root = new URL("../../", import.meta.url);
const wasm = new Uint8Array(await readFile(fileURLToPath(new URL("test/fixtures/build/isolation.wasm", root))));
const manifest = JSON.parse(await readFile(fileURLToPath(new URL("test/fixtures/wat/isolation.json", root)), "utf8")) as Record<string, unknown>;
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

console.log(`## isolation/million (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log("");
console.log("| mode | calls | last output | time | per call |");
console.log("|---|---|---|---|---|");
for (const isolation of ["inline", "worker"] as const) {
  const engine = await createEngine({ logger: quiet, grant: true });
  await engine.install({ manifest: { ...manifest, limits: { isolation, timeoutMs: 5000 } }, wasm });
  const started = performance.now();
  let last = "";
  for (let i = 0; i < CALLS; i++) last = (await engine.call("isolation", "counter")).text();
  const seconds = (performance.now() - started) / 1000;
  if (last !== String(CALLS)) throw new Error(`${isolation}: expected ${CALLS}, got ${last}`);
  console.log(`| ${isolation} | ${CALLS} | ${last} | ${fixed(seconds, 1)} s | ${fixed((seconds * 1e6) / CALLS, 2)} µs |`);
  await engine.close();
}
