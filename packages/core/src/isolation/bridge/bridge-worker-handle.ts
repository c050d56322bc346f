import type { FromWorker, ToWorker } from "./protocol.ts";

/**
 * A started bridge worker as the engine's side sees it, the same in Node (worker_threads) and in
 * browsers (Web Workers): spawn-node.ts / spawn-web.ts make one.
 */
export interface BridgeWorker {
  postMessage(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** The worker failed (an uncaught error, a failed start). */
  onError(listener: (error: Error) => void): void;
  /** The worker is gone (exited, or terminated); `why` completes "its worker ...". */
  onExit(listener: (why: string) => void): void;
  terminate(): Promise<void>;
}
