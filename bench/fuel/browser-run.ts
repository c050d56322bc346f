/**
 * bench/fuel/browser-run.ts: the Chromium half of bench/fuel (run by `npm run bench:fuel:browser`):
 * the same workloads, plain against metered through raw @extism/extism inline, side by side, and
 * the rewrite's throughput against WebAssembly.compile. Wall-clock time (performance.now): a
 * page has no CPU clock. The tables are printed to the console.
 */
import { test } from "vitest";
import { fetchBytes } from "../lib/browser.ts";
import { TRANSFORM_MODULES, WORKLOADS, report, slowdown, transform, type SlowdownResult, type TransformResult } from "./workloads.ts";

const ROUNDS = 15;
const CALLS = 3;

test("bench/fuel in Chromium", async () => {
  const slow: SlowdownResult[] = [];
  for (const workload of WORKLOADS) slow.push(await slowdown(workload, await fetchBytes(`/${workload.wasm}`), ROUNDS, CALLS, () => performance.now()));
  const transforms: TransformResult[] = [];
  for (const path of TRANSFORM_MODULES) transforms.push(await transform(path.split("/")[1] as string, await fetchBytes(`/${path}`), 21));
  console.log(report(`Chromium ${navigator.userAgent.match(/Chrome\/(\d+)/)?.[1] ?? "?"}, headless`, slow, transforms, ROUNDS, `${CALLS} calls per side per round, wall-clock time`).join("\n"));
});
