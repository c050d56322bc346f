// What checking a call's input against plugin.json's export schema costs: examples/hello's
// greet called with and without its `exports` (the same wasm), inline, alternating rounds.
// Run: npx tsx --conditions=source bench/call-overhead/schema-share.ts
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createEngine } from "@threadspace/core";

const dir = fileURLToPath(new URL("../../examples/hello/", import.meta.url));
const manifest = JSON.parse(await readFile(`${dir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${dir}plugin.wasm`));
const { exports: _schemas, ...plain } = manifest;
const CALLS = Number(process.env["CALLS"] ?? 20_000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);

const engines = { typed: await createEngine(), plain: await createEngine() };
await engines.typed.install({ manifest, wasm });
await engines.plain.install({ manifest: plain, wasm });

async function perCall(name: "typed" | "plain"): Promise<number> {
  const engine = engines[name];
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await engine.call("hello", "greet", "World");
  return ((performance.now() - started) * 1000) / CALLS;
}

for (const name of ["typed", "plain"] as const) await perCall(name); // warm up
const ratios: number[] = [];
const rows: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const plainUs = await perCall("plain");
  const typedUs = await perCall("typed");
  ratios.push(typedUs / plainUs);
  rows.push(`${plainUs.toFixed(2)} µs plain, ${typedUs.toFixed(2)} µs with the schema`);
}
ratios.sort((a, b) => a - b);
console.log(rows.join("\n"));
console.log(`median ratio (with schema / without): ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)}`);
await Promise.all([engines.typed.close(), engines.plain.close()]);
