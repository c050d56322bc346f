/** Starts a bridge worker in Node (worker_threads); chosen by the `#bridge-spawn` import condition. */
import { Worker } from "node:worker_threads";
import type { BridgeWorker } from "./bridge-worker-handle.ts";

/**
 * The worker's entry is plain JavaScript (with JSDoc types), so a worker needs no TypeScript
 * loader: it starts with empty `execArgv` instead of inheriting the process's (under tsx that
 * would load tsx and esbuild into every worker: ~100 ms more start-up, ~7 MiB more per worker).
 */
const ENTRY = new URL("./bridge-worker.node.js", import.meta.url);

/** A worker thread running bridge-worker.node.js, named `name` (shown in debuggers and heap snapshots). */
export function spawnBridgeWorker(name: string): BridgeWorker {
  const worker = new Worker(ENTRY, { name, execArgv: [] });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on("message", listener),
    onError: (listener) => worker.on("error", listener),
    onExit: (listener) => worker.on("exit", (code) => listener(`exited (code ${code})`)),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
