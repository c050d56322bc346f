import { ThreadspaceError } from "@threadspace/errors";
import type { BridgeGuest } from "../bridge/bridge-channel.ts";
import type { CallOptions, CallOutcome, WorkerInstance } from "../instance.ts";
import type { PoolWorker } from "./pool-worker.ts";

const encoder = new TextEncoder();

/** One pooled plugin as its pool worker knows it: the channel's guest, and what placement looks at. */
export interface PoolGuest extends BridgeGuest {
  readonly plugin: string;
  /** The plugins it depends on (kept out of its worker where the pool can: see WorkerPool). */
  readonly dependencies: ReadonlySet<string>;
}

/**
 * A plugin's Extism instance inside a shared pool worker: the {@link WorkerInstance} the engine's
 * `WorkerSupervisor` drives, exactly as it drives a worker of one plugin. Calls go through the
 * worker's queue (one call at a time per worker, first come first served; each plugin has at
 * most one call queued, because its runner sends one at a time).
 *
 * Terminating it (a call that did not stop by its deadline, `crashWorkerOf`) terminates the
 * shared worker: its neighbours see their worker exit and start fresh instances, and their calls
 * that had not started are retried (`CallNotStartedError`).
 */
export class PooledInstance implements WorkerInstance {
  readonly guest: PoolGuest;
  /** Its calls wait for the shared worker: the supervisor times them from `onStart`. */
  readonly queues = true;
  readonly #worker: PoolWorker;
  #busy = false;
  #closed = false;
  readonly #exits: Array<(why: string) => void> = [];

  constructor(worker: PoolWorker, guest: PoolGuest) {
    this.#worker = worker;
    this.guest = guest;
  }

  /** Which pool worker it lives in (for debugging: `pool name #n`). */
  get workerLabel(): string {
    return this.#worker.label;
  }

  get memoryPages(): number {
    return this.guest.pages;
  }

  async call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome> {
    if (this.#closed) throw new ThreadspaceError("plugin_unavailable", "was closed.", { plugin: this.guest.plugin });
    if (this.#busy) throw new ThreadspaceError("busy", `${exportName} was called while another call ran: an instance is not reentrant, one call at a time.`, { plugin: this.guest.plugin });
    this.#busy = true;
    try {
      return await this.#worker.call(this, exportName, typeof input === "string" ? encoder.encode(input) : input, options);
    } finally {
      this.#busy = false;
    }
  }

  onExit(listener: (why: string) => void): void {
    this.#exits.push(listener);
  }

  /** Told by its worker once it is gone (never after close()). */
  exited(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#exits.splice(0)) listener(why);
  }

  /** Terminates the shared worker at once (its neighbours restart); a call in flight is left to the caller. */
  terminate(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.kill("was terminated", this);
  }

  /**
   * Frees the instance in its worker. When its own call is still running there (the supervisor
   * gave up on it at its deadline), the worker cannot be asked anything: it is terminated, and
   * its neighbours restart.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#worker.runs(this)) {
      this.#worker.kill(`was terminated because ${this.guest.plugin} did not stop by its deadline`, this);
      return;
    }
    await this.#worker.dispose(this);
  }
}
