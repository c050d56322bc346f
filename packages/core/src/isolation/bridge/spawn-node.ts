/** Starts a bridge worker in Node (worker_threads); chosen by the `#bridge-spawn` import condition. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import type { FromWorker } from "./protocol.ts";

/**
 * The worker's entry, built into JavaScript by scripts/build-worker.mjs (`npm run build:worker`),
 * so a worker needs no TypeScript loader: it starts with empty `execArgv` instead of inheriting
 * the process's (under tsx that would load tsx and esbuild into every worker: ~100 ms more
 * start-up, ~7 MiB more per worker).
 */
const ENTRY = new URL("../../../dist/bridge-worker.node.js", import.meta.url);
let entryChecked = false;

/** A worker thread running the built bridge worker, named `name` (shown in debuggers and heap snapshots). */
export function spawnBridgeWorker(name: string): BridgeWorker {
  if (!entryChecked) {
    if (!existsSync(ENTRY)) throw new Error(`the bridge worker is not built (${fileURLToPath(ENTRY)} is missing): run \`npm run build:worker\` in the repository`);
    entryChecked = true;
  }
  const worker = new Worker(ENTRY, { name, execArgv: [] });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on("message", (message: FromWorker) => listener(message)),
    onError: (listener) => worker.on("error", listener),
    onExit: (listener) => worker.on("exit", (code) => listener(`exited (code ${code})`)),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
