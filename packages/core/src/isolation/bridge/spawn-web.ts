/**
 * Starts a bridge worker in a browser: a module Web Worker whose URL bundlers (Vite) resolve from
 * the `new Worker(new URL(...), { type: "module" })` pattern. Chosen by the `#bridge-spawn`
 * import condition. A Content-Security-Policy must allow it (`worker-src 'self'`).
 */
import type { BridgeWorker } from "./bridge-worker-handle.ts";
import type { FromWorker } from "./protocol.ts";

/**
 * A module worker running bridge-worker.web.ts, named `name` (shown in DevTools). Vite (the
 * playground, the browser tests) builds the TypeScript entry itself; pages without a bundler use
 * the built packages/core/dist/bridge-worker.web.js (scripts/build-worker.mjs).
 */
export function spawnBridgeWorker(name: string): BridgeWorker {
  const worker = new Worker(new URL("./bridge-worker.web.ts", import.meta.url), { type: "module", name });
  const exits: Array<(why: string) => void> = [];
  let exited = false;
  const exit = (why: string): void => {
    if (exited) return;
    exited = true;
    for (const listener of exits) listener(why);
  };
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener("message", (event: MessageEvent<FromWorker>) => listener(event.data)),
    onError: (listener) => {
      // A Web Worker has no exit event: an uncaught error (a failed module load, a crash) ends it for us.
      worker.addEventListener("error", (event: ErrorEvent) => {
        event.preventDefault();
        listener(new Error(event.message || "the worker script failed to load or threw"));
      });
      worker.addEventListener("messageerror", () => listener(new Error("a message from the worker could not be read")));
    },
    onExit: (listener) => exits.push(listener),
    terminate: async () => {
      worker.terminate();
      // Reported after the caller's own bookkeeping, as Node's "exit" event is.
      queueMicrotask(() => exit("was terminated"));
    },
  };
}
