/**
 * bench/scale/precompiled-split: where an install → first call's time goes, against raw Extism
 * given the bytes and raw Extism given a precompiled module (no compile), and the engine with a
 * metered install and with an unmetered precompiled module (no metering), interleaved in chunks of
 * 10, process CPU per round trip (install or createPlugin, init_plugin, get_metadata, greet,
 * uninstall or close), medians of 150 chunks each.
 *
 * Run: npm run build && npm run build:examples && node --disable-warning=ExperimentalWarning --import tsx bench/scale/precompiled-split.ts
 */
import createPlugin from "@extism/extism";
import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { median } from "../lib/measure.ts";

const dir = fileURLToPath(new URL("../../examples/hello/", import.meta.url));
const manifest = JSON.parse(await readFile(`${dir}plugin.json`, "utf8")) as Record<string, unknown>;
const wasm = new Uint8Array(await readFile(`${dir}plugin.wasm`));
const module = new WebAssembly.Module(wasm);
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const engine = await createEngine({ logger: quiet, metering: { unmetered: "allow" } });
const { hash: _hash, ...unhashed } = manifest;
const CHUNKS = Number(process.env["CHUNKS"] ?? 150);

async function raw(source: { data: Uint8Array } | { module: WebAssembly.Module }): Promise<void> {
  const plugin = await createPlugin({ wasm: [source] }, { useWasi: false, config: { greeting: "Hello" } });
  await plugin.call("init_plugin", "");
  await plugin.call("get_metadata", "");
  await plugin.call("greet", "World");
  await plugin.close();
}
async function viaEngine(source: { manifest: Record<string, unknown>; wasm: Uint8Array | WebAssembly.Module }): Promise<void> {
  await engine.install(source);
  await engine.call("hello", "greet", "World");
  await engine.uninstall("hello", { keepData: false });
}
const contenders: Record<string, () => Promise<void>> = {
  "raw, bytes": () => raw({ data: wasm }),
  "raw, precompiled module": () => raw({ module }),
  "engine, bytes (metered)": () => viaEngine({ manifest, wasm }),
  "engine, precompiled module (unmetered)": () => viaEngine({ manifest: unhashed, wasm: module }),
};
const names = Object.keys(contenders);
const cpu = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};
for (let i = 0; i < 200; i++) for (const name of names) await contenders[name]?.();
const per: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let chunk = 0; chunk < CHUNKS; chunk++) {
  for (const name of chunk % 2 === 0 ? names : [...names].reverse()) {
    const started = cpu();
    for (let i = 0; i < 10; i++) await contenders[name]?.();
    per[name]?.push((cpu() - started) / 10);
  }
}
await engine.close();
console.log("| round trip | process CPU (median) |\n|---|---|");
for (const name of names) console.log(`| ${name} | ${median(per[name] as number[]).toFixed(0)} µs |`);
