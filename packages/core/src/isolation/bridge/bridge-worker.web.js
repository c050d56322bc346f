// @ts-check
/** Browser entry of a bridge worker (a module Web Worker): see bridge-worker.js. */
import { runBridgeWorker } from "./bridge-worker.js";

/**
 * The dedicated worker's global scope (typed here: the project compiles against the DOM lib, not WebWorker).
 * @type {{ postMessage(message: import("./protocol.js").FromWorker): void; addEventListener(type: "message", listener: (event: { data: import("./protocol.js").ToWorker }) => void): void }}
 */
const scope = /** @type {never} */ (globalThis);
runBridgeWorker({ post: (message) => scope.postMessage(message), listen: (handler) => scope.addEventListener("message", (event) => handler(event.data)) });
