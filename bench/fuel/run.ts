/**
 * bench/fuel: what fuel metering costs, in Node. CPU-heavy exports of built examples through raw
 * @extism/extism inline, plain against metered (the rewrite + the engine's FuelMeter), side by
 * side in one run; the rewrite's throughput against WebAssembly.compile; module size growth.
 * Time is the process's CPU time (user + system): the machine is shared, and CPU time is what a
 * busy neighbour disturbs least.
 *
 * Run: npm run bench:fuel   (builds the examples first). ROUNDS and CALLS override the defaults.
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { TRANSFORM_MODULES, WORKLOADS, report, slowdown, transform, type SlowdownResult, type TransformResult } from "./workloads.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 15);
const CALLS = Number(process.env["CALLS"] ?? 3);
const root = fileURLToPath(new URL("../../", import.meta.url));
const bytesOf = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(`${root}${path}`));
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const slow: SlowdownResult[] = [];
for (const workload of WORKLOADS) slow.push(await slowdown(workload, await bytesOf(workload.wasm), ROUNDS, CALLS, cpuMs));
const transforms: TransformResult[] = [];
for (const path of TRANSFORM_MODULES) transforms.push(await transform(path.split("/")[1] as string, await bytesOf(path), 21));
const runtime = `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores`;
console.log(report(runtime, slow, transforms, ROUNDS, `${CALLS} calls per side per round, process CPU time`).join("\n"));
