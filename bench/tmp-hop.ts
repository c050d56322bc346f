import createPlugin from "@extism/extism";
import { readFile } from "node:fs/promises";
import { createEngine } from "@threadspace/core";
const dir = "/work/main/examples/hello/";
const wasm = new Uint8Array(await readFile(dir + "plugin.wasm"));
const manifest = JSON.parse(await readFile(dir + "plugin.json", "utf8"));
const raw = await createPlugin({ wasm: [{ data: wasm }] }, { config: { greeting: "Hello" } });
await raw.call("init_plugin", "");
const engine = await createEngine(); await engine.install({ manifest, wasm });
const noMon = await createEngine({ circuitBreaker: false } as never); await noMon.install({ manifest, wasm });
const N = 50000;
async function t(f: () => Promise<unknown>) { const s = performance.now(); for (let i = 0; i < N; i++) await f(); return ((performance.now() - s) * 1000 / N); }
for (let r = 0; r < 5; r++) {
  const o: Record<string, number> = {};
  o.raw = await t(() => raw.call("greet", "World"));
  o.hop = await t(() => raw.call("greet", "World").then((x) => x));
  o.engine = await t(() => engine.call("hello", "greet", "World"));
  o.noBreaker = await t(() => noMon.call("hello", "greet", "World"));
  console.log(Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(2)}`).join("  "));
}
