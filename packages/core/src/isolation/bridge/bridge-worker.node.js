// @ts-check
/** Node entry of a bridge worker (worker_threads): see bridge-worker.js. Plain JS: a worker loads it without a TypeScript loader. */
import { parentPort } from "node:worker_threads";
import { runBridgeWorker } from "./bridge-worker.js";

const port = parentPort;
if (port === null) throw new Error("bridge-worker.node.js must run in a worker thread");
runBridgeWorker({ post: (message) => port.postMessage(message), listen: (handler) => port.on("message", handler) });
