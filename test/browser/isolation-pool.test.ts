import { fuelContract } from "../contract/fuel.contract.ts";
import { healthMonitorContract } from "../contract/health-monitor.contract.ts";
import { isolationContract } from "../contract/isolation.contract.ts";
import { limitsContract } from "../contract/limits.contract.ts";
import { poolContract } from "../contract/pool.contract.ts";
import { browserEnv } from "./browser-env.ts";

// The isolation, limits, fuel and health suites with every fixture pooled (limits.isolation "pool"):
// each plugin an Extism instance of its own in a module Web Worker shared with others (issue 16).
const pooledEnv = { ...browserEnv, isolation: "pool" } as const;
isolationContract(pooledEnv);
limitsContract(pooledEnv);
fuelContract(pooledEnv);
healthMonitorContract(pooledEnv);
poolContract(browserEnv);
