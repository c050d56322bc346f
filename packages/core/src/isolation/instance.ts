/**
 * The seam between the engine and where a plugin's code runs. Every execution mode implements
 * {@link Instance}: Extism inline on the engine's thread (inline-instance.ts), Extism inline in
 * a worker of ours over shared memory (bridge/bridge-instance.ts), Extism's own runInWorker
 * (extism-worker-instance.ts), and the supervisor that restarts worker-backed ones
 * (worker-supervisor.ts). The engine (calls/plugin-runner.ts) drives an Instance; an Instance
 * knows nothing of the engine's runner, queue or lifecycle.
 */
import { ThreadspaceError } from "@threadspace/errors";
import type { CallTransaction } from "@threadspace/host";
import type { CallVars } from "../replay/call-vars.ts";

/** What one call may use, given by the caller with the call. */
export interface CallOptions {
  /** The call's transaction: host functions get it as their context (`context.hostContext()`). */
  readonly tx?: CallTransaction | undefined;
  /** The most fuel the call may use (metered modules; issue 9); absent: no budget. */
  readonly fuel?: number | undefined;
  /**
   * When the call must have ended, in `performance.now()` ms of the caller's thread; absent: no
   * deadline. A worker-backed instance is stopped at it (its supervisor); a metered module also
   * checks it while it runs.
   */
  readonly deadline?: number | undefined;
  /** Where `fuel` came from, named in `fuel_exhausted` (e.g. `limits.fuel`). */
  readonly fuelSource?: string | undefined;
  /**
   * Longest the call may run once it starts running on the instance, in ms (limits.timeoutMs):
   * the deadline when `deadline` is absent, and named in `timeout` errors.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The plugin whose `ts_plugin_call` this call serves (undefined: the embedder's call). Who
   * waits for whom is tracked by the engine's `CallChains` (calls/call-chains.ts), which refuses
   * a call into a pool worker whose running call waits for it.
   */
  readonly caller?: string | undefined;
  /** A recorded or replayed call's Extism vars (replay/call-vars.ts): what its var reads found, or the trace's vars to serve. */
  readonly vars?: CallVars | undefined;
  /** Told when the call starts running on an instance that {@link WorkerInstance.queues} (its supervisor's timer starts then). */
  readonly onStart?: (() => void) | undefined;
}

/** What a call gave back. */
export interface CallOutcome {
  /** What the export wrote as its output; null when it wrote none. */
  readonly output: Uint8Array | null;
  /** The fuel the call used, where the module is metered (issue 9); undefined otherwise. */
  readonly fuelUsed: number | undefined;
}

/**
 * One instantiated plugin module. Not reentrant: the caller sends one call at a time.
 *
 * A call that fails rejects with a `ThreadspaceError`: `plugin_error` (the plugin reported an
 * error), `plugin_trap` (the guest trapped or overflowed its stack), `fuel_exhausted`, `timeout`,
 * or `plugin_unavailable` once the instance is closed or gone.
 */
export interface Instance {
  /** Calls an export with `input`. */
  call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome>;
  /**
   * Optional: calls an export and hands its outcome (or its failure, already typed as `call`
   * would reject with it) straight to `onOutcome` / `onError`, in the one promise reaction that
   * settles the call. The same as `call(...).then(onOutcome, onError)` without the second
   * reaction; an instance that settles through a promise of its own need not offer it.
   */
  callThen?<T>(exportName: string, input: string | Uint8Array, options: CallOptions | undefined, onOutcome: (outcome: CallOutcome) => T, onError: (cause: unknown) => T): Promise<T>;
  /** Frees the instance (terminates its worker). Calls after it reject. */
  close(): Promise<void>;
  /**
   * The guest's memory in 64 KiB pages: now (inline), or as of its last call (a worker reports
   * it with every reply); undefined where it cannot be known (Extism's runInWorker).
   */
  readonly memoryPages: number | undefined;
  /**
   * Registers `listener`, told once if the instance stops by itself (its worker exited or
   * failed; `why` completes "its worker ..."), never after `close()`. An inline instance never
   * stops by itself.
   */
  onExit(listener: (why: string) => void): void;
}

/**
 * A call that never started: the worker it waited for went away first (a pool worker terminated
 * because a neighbour would not stop). Nothing of it ran, so it is safe to run again: the
 * supervisor retries it once on a fresh instance.
 */
export class CallNotStartedError extends ThreadspaceError {
  constructor(plugin: string | undefined, exportName: string, why: string) {
    super("plugin_unavailable", `${exportName} did not start: its worker ${why}. Nothing of this call ran; call it again.`, { plugin });
  }
}

/** An {@link Instance} that runs in a thread of its own, so that terminating it stops any call. */
export interface WorkerInstance extends Instance {
  /**
   * True when a call may wait for a thread shared with other plugins before it runs (a pool
   * worker): the instance then calls `options.onStart` when it starts running, and a call's
   * timeout counts from there. Absent: the call runs at once.
   */
  readonly queues?: boolean;
  /** Stops the worker at once, whatever it runs (a call in flight is left unanswered: its caller decides). */
  terminate(): void;
}
