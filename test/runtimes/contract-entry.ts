/**
 * The entry that Deno and Bun run (bundled by build-contract.ts, `vitest` mapped to
 * test/support/vitest-shim.ts): the engine contract suite, the adversarial cases that Chromium
 * runs too, persistence on the memory and file drivers and the storage driver contract, over a
 * TestEnv naming the runtime it found itself in. Runs in Node as well (the reference).
 *
 *   <runtime> contract.mjs --list            prints the case names, as one JSON array
 *   <runtime> contract.mjs [--grep text]     runs the cases (those whose name holds `text`),
 *                                            printing one `@@case {json}` line per case
 */
import process from "node:process";
import { configSchemaCases } from "../adversarial/config-schema.cases.ts";
import { grantsCases } from "../adversarial/grants.cases.ts";
import { hostCallsCases } from "../adversarial/host-calls.cases.ts";
import { hostMemoryCases } from "../adversarial/host-memory.cases.ts";
import { hostRequestCases } from "../adversarial/host-requests.cases.ts";
import { permissionsCases } from "../adversarial/permissions.cases.ts";
import { quotaCases } from "../adversarial/quota.cases.ts";
import { engineContract } from "../contract/engine.contract.ts";
import { persistenceContract } from "../contract/persistence.contract.ts";
import { serverEnv } from "../node/node-env.ts";
import { sharedMemoryDriver, tempFileDriver } from "../node/restartable-drivers.ts";
import { caseNames, runCase } from "../support/vitest-shim.ts";
import { CASE_LINE, CASE_TIMEOUT_MS, type RuntimeCaseResult } from "./case-line.ts";
import { currentRuntime } from "./current-runtime.ts";
// The storage driver contract on the memory and file drivers, as Node runs it.
import "../node/storage.test.ts";

const env = serverEnv(currentRuntime());
engineContract(env);
hostMemoryCases(env);
hostCallsCases(env);
hostRequestCases(env);
permissionsCases(env);
grantsCases(env);
quotaCases(env);
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
