/** Browser entry of a bridge worker (a module Web Worker): see bridge-worker.ts. */
import createPlugin from "@extism/extism";
import { runBridgeWorker } from "./bridge-worker.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

/** The dedicated worker's global scope, as far as the bridge uses it (the project compiles against the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
}

/** True in a dedicated worker: `importScripts` exists only there. */
function isWorkerScope(scope: object): scope is WorkerScope {
  return "importScripts" in scope && "postMessage" in scope;
}

if (!isWorkerScope(globalThis)) throw new Error("bridge-worker.web must run in a dedicated Web Worker");
const scope: WorkerScope = globalThis;
runBridgeWorker({ post: (message) => scope.postMessage(message), listen: (handler) => scope.addEventListener("message", (event) => handler(event.data)) }, async () => createPlugin);
