/** Node entry of a bridge worker (worker_threads): see bridge-worker.ts. Built into dist/bridge-worker.node.js (scripts/build-worker.mjs). */
import { parentPort } from "node:worker_threads";
import { platform } from "../../platform/node.ts";
import { runBridgeWorker } from "./bridge-worker.ts";
import type { ToWorker } from "./protocol.ts";

const port = parentPort;
if (port === null) throw new Error("bridge-worker.node must run in a worker thread");
runBridgeWorker({ post: (message) => port.postMessage(message), listen: (handler) => port.on("message", (message: ToWorker) => handler(message)) }, platform.loadExtism, platform.serveWasi);
