import createPlugin from "@extism/extism";
import { readFileSync } from "node:fs";
import { rewriteModule } from "./packages/core/src/metering/index.ts";
const wasm = readFileSync("examples/hash-sort/plugin.wasm");
const metered = rewriteModule(wasm, {}).bytes;
let g: WebAssembly.Global | undefined; let refuels = 0;
const functions = { "threadspace:meter": { refuel() { refuels++; g!.value = (g!.value as number) + 1_000_000_000; }, grow_refused() {} } };
const plain = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false });
const met = await createPlugin({ wasm: [{ data: metered }] }, { useWasi: false, functions: functions as any });
g = (await (met as any).getInstance()).exports.__threadspace_fuel;
const input = "300000 7";
const a = (await plain.call("hash_sort", input))?.text(); g!.value = 0; const b = (await met.call("hash_sort", input))?.text();
console.log(a === b, a, "fuel used", refuels * 1e9 - (g!.value as number));
const time = async (p: any, n = 3) => { const t = process.cpuUsage(); for (let i = 0; i < n; i++) await p.call("hash_sort", input); const d = process.cpuUsage(t); return (d.user + d.system) / n; };
const rs: number[] = []; for (let r = 0; r < 15; r++) { const x = await time(plain); const y = await time(met); rs.push(y / x); }
rs.sort((a, b) => a - b); console.log("median ratio", rs[7]!.toFixed(3), rs.map((r) => r.toFixed(2)).join(" "));
