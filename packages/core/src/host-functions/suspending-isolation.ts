import { canSuspend as hostCanSuspend } from "@threadspace/host";
import { workerSupport, type IsolationDecision, type WorkerSupport } from "../isolation/isolation-policy.ts";
import type { CompatNeeds } from "./plugin-extras.ts";

/**
 * Where a plugin whose imports must suspend the guest (Extism's `http_request`, an embedder's
 * async function) runs: on the engine's thread where JSPI exists (Chromium, workerd, Deno, Bun),
 * else in a worker (the bridge worker waits for the engine), with a note. Where neither exists it
 * stays inline and those imports fail with a clear error.
 */
export function suspendingIsolation(plugin: string, decided: IsolationDecision, needs: CompatNeeds, canSuspend = hostCanSuspend, support?: WorkerSupport): IsolationDecision {
  if (decided.mode !== "inline" || !needs.suspends || canSuspend || !(support ?? workerSupport()).available) return decided;
  const what = needs.http ? "makes HTTP requests (http_request)" : "imports an async host function";
  return { mode: "worker", notes: [...decided.notes, `isolation: runs in a worker because it ${what}, which suspends the plugin while the host waits, and this runtime has no JSPI to do that on the engine's thread (${plugin} asked for "inline")`] };
}
