import { bundleContract } from "./bundle.contract.ts";
import { callLimitsContract } from "./call-limits.contract.ts";
import { callsContract } from "./calls.contract.ts";
import { dependenciesContract } from "./dependencies.contract.ts";
import { exportsContract } from "./exports.contract.ts";
import { healthMonitorContract } from "./health-monitor.contract.ts";
import { hostConfigContract } from "./host-config.contract.ts";
import { hostDataContract } from "./host-data.contract.ts";
import { hostKvContract } from "./host-kv.contract.ts";
import { hostPluginCallContract } from "./host-plugin-call.contract.ts";
import { installContract } from "./install.contract.ts";
import { isolationContract } from "./isolation.contract.ts";
import { limitsContract } from "./limits.contract.ts";
import { fuelContract } from "./fuel.contract.ts";
import { lifecycleContract } from "./lifecycle.contract.ts";
import { replayContract } from "./replay.contract.ts";
import type { TestEnv } from "./test-env.ts";

/** The engine contract: the same cases in every runtime (Node, Chromium, workerd). */
export function engineContract(env: TestEnv): void {
  installContract(env);
  callsContract(env);
  exportsContract(env);
  lifecycleContract(env);
  dependenciesContract(env);
  hostKvContract(env);
  limitsContract(env);
  fuelContract(env);
  hostConfigContract(env);
  hostDataContract(env);
  hostPluginCallContract(env);
  isolationContract(env);
  callLimitsContract(env);
  healthMonitorContract(env);
  replayContract(env);
  // Last: its engines leave wasm memories for the page's GC, which worker isolates cannot trigger.
  bundleContract(env);
}
