/**
 * The entry that Deno and Bun run (bundled by build-contract.ts, `vitest` mapped to
 * test/support/vitest-shim.ts): the engine contract suite (and its isolation cases over Extism's
 * worker transport too), the adversarial cases on permissions, grants, host requests and host
 * memory, persistence on the memory and file drivers and the storage driver contract, over a
 * TestEnv naming the runtime it found itself in. Runs in Node as well (the reference).
 *
 *   <runtime> contract.mjs --list            prints the case names, as one JSON array
 *   <runtime> contract.mjs [--grep text]     runs the cases (those whose name holds `text`),
 *                                            printing one `@@case {json}` line per case
 */
import process from "node:process";
import { configSchemaCases } from "../adversarial/config-schema.cases.ts";
import { grantsCases } from "../adversarial/grants.cases.ts";
import { hostMemoryCases } from "../adversarial/host-memory.cases.ts";
import { hostRequestCases } from "../adversarial/host-requests.cases.ts";
import { permissionsCases } from "../adversarial/permissions.cases.ts";
import { engineContract } from "../contract/engine.contract.ts";
import { isolationContract } from "../contract/isolation.contract.ts";
import { persistenceContract } from "../contract/persistence.contract.ts";
import { serverEnv } from "../node/node-env.ts";
import { sharedMemoryDriver, tempFileDriver } from "../node/restartable-drivers.ts";
import { caseNames, runCase } from "../support/vitest-shim.ts";
import { serverRuntime } from "../../packages/core/src/platform/server-runtime.ts";
import { CASE_LINE, CASE_TIMEOUT_MS, type RuntimeCaseResult } from "./case-line.ts";
import { extismTransportCases } from "./extism-transport.cases.ts";
// The storage driver contract on the memory and file drivers, as Node runs it.
import "../node/storage.test.ts";

const env = serverEnv(serverRuntime());
engineContract(env);
// Extism's own runInWorker, the worker transport where Atomics.waitAsync is missing: the whole
// isolation contract on Bun (where Extism's own runInWorker timeouts hang, FACTS.md: the engine's
// supervisor terminates the worker instead); a start, a call and a timeout on Deno (whose
// postMessage makes the contract's 20,000-call case outlast its timeout there).
if (env.runtime === "bun") isolationContract(env, "extism");
extismTransportCases(env);
hostMemoryCases(env);
hostRequestCases(env);
permissionsCases(env);
grantsCases(env);
configSchemaCases(env);
persistenceContract(env, "memory", sharedMemoryDriver);
persistenceContract(env, "file", () => tempFileDriver("threadspace-persistence-"));

/** Runs one case, failing it when it takes longer than CASE_TIMEOUT_MS (it may go on in the background). */
async function timedCase(name: string): Promise<RuntimeCaseResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<RuntimeCaseResult["outcome"]>((resolve) => {
    timer = setTimeout(() => resolve({ status: "failed", message: `timed out after ${CASE_TIMEOUT_MS} ms` }), CASE_TIMEOUT_MS);
  });
  const outcome = await Promise.race([runCase(name), late]);
  clearTimeout(timer);
  return { name, outcome, ms: Math.round(performance.now() - started) };
}

const args = process.argv.slice(2);
if (args[0] === "--list") {
  console.log(JSON.stringify(caseNames()));
} else {
  const grep = args[0] === "--grep" ? (args[1] ?? "") : "";
  for (const name of caseNames().filter((n) => n.includes(grep))) {
    console.log(`${CASE_LINE}${JSON.stringify(await timedCase(name))}`);
  }
}
// Engines a failed case left open (worker threads, file locks) must not keep the runtime alive.
process.exit(0);
