import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
const dir = new URL("../../examples/hello/", import.meta.url);
const manifest = JSON.parse(await readFile(new URL("plugin.json", dir), "utf8"));
const wasm = new Uint8Array(await readFile(new URL("plugin.wasm", dir)));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const engine = await createEngine({ logger: quiet });
const N = Number(process.env["N"] ?? 2000);
const lc = process.env["LC"] === "1";
let s = 0;
const t = performance.now(); const cpu = process.cpuUsage();
for (let i = 0; i < N; i++) {
  const src = lc ? { manifest, wasm } : { manifest: { ...manifest, name: `i${s++}`, interface: "extism", limits: { isolation: "inline" } }, wasm };
  const { name } = await engine.install(src);
  (await engine.call(name, "greet", "World")).text();
  await engine.uninstall(name, { keepData: false });
}
const c = process.cpuUsage(cpu);
console.log(`per install: wall ${((performance.now() - t) / N).toFixed(3)} ms, cpu ${((c.user + c.system) / 1000 / N).toFixed(3)} ms`);
await engine.close();
