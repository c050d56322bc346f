/**
 * Integration shim: a {@link BridgePlugin} seen as the part of Extism's worker-mode plugin that
 * {@link WorkerPlugin} drives (call, reset, close, worker events), so the engine's worker mode can
 * swap `createPlugin({ runInWorker: true })` for the bridge in start-worker.ts without touching
 * WorkerPlugin's timeouts, restarts, crash handling and worker slots.
 */
import type { PluginOutput } from "@extism/extism";
import type { BackgroundExtismPlugin } from "../worker-plugin.ts";
import { BridgeError, type BridgePlugin } from "./bridge-plugin.ts";

/** The PluginOutput methods the engine uses (bytes/text/json) over bridge output bytes (not a DataView, unlike Extism's). */
class BridgeOutput {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get byteLength(): number {
    return this.#bytes.byteLength;
  }
  bytes(): Uint8Array {
    return this.#bytes;
  }
  text(): string {
    return new TextDecoder().decode(this.#bytes);
  }
  string(): string {
    return this.text();
  }
  json(): unknown {
    return JSON.parse(this.text());
  }
  arrayBuffer(): ArrayBufferLike {
    return this.#bytes.slice().buffer;
  }
}

/** A guest failure as Extism inline would have thrown it (a stack overflow stays a RangeError). */
function guestError(error: unknown): unknown {
  if (!(error instanceof BridgeError) || error.kind !== "plugin") return error;
  return /maximum call stack size exceeded/i.test(error.message) ? new RangeError(error.message) : new Error(error.message);
}

export function asBackgroundPlugin(bridge: BridgePlugin): BackgroundExtismPlugin {
  // The worker events WorkerPlugin listens to, over the platform's worker handle.
  const worker = {
    on(event: string, listener: (...args: unknown[]) => void): void {
      if (event === "exit") bridge.worker.onExit(listener);
      else if (event === "error") bridge.worker.onError(listener);
    },
    terminate: () => bridge.close(),
  };
  const shim = {
    get worker() {
      return bridge.closed ? null : worker;
    },
    /** Guest memory after the last call, read in the worker (tells an out-of-memory trap apart). */
    get memoryPages() {
      return bridge.memoryPages;
    },
    opts: { timeoutMs: null },
    async call(name: string, input?: string | Uint8Array | number, hostContext?: unknown): Promise<PluginOutput | null> {
      try {
        const bytes = await bridge.call(name, typeof input === "number" ? String(input) : input, hostContext);
        return bytes === null ? null : (new BridgeOutput(bytes) as unknown as PluginOutput);
      } catch (error) {
        throw guestError(error);
      }
    },
    // Extism inline frees per-call buffers itself: nothing piles up, no 16,383-call limit.
    reset: async () => true,
    close: () => bridge.close(),
    isActive: () => !bridge.closed,
  };
  return shim as unknown as BackgroundExtismPlugin;
}
