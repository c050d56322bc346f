import type { ExtismHostFunction } from "@threadspace/host";
import type { HostMemoryLimits } from "../limits/host-memory.ts";
import { BridgeInstance, type BridgeKernel } from "./bridge/bridge-instance.ts";
import type { LogPriorityName, WorkerWasiSpec } from "./bridge/protocol.ts";
import { ExtismWorkerInstance } from "./extism-worker-instance.ts";
import type { WorkerInstance } from "./instance.ts";

/**
 * Longest a worker may take to start and instantiate the module (start functions included),
 * at least: starting a worker takes 30-40 ms here, much more on a loaded machine, and must not
 * count against a short call timeout.
 */
export const MIN_START_MS = 10_000;

/** What starting a worker-backed instance needs (the engine builds it; see lifecycle/start-plugin.ts). */
export interface WorkerStartOptions {
  /** The plugin's name, for errors and the worker's name. */
  readonly plugin: string;
  /** Our shared-memory bridge, or Extism's runInWorker (`isolation.transport`). */
  readonly transport: "bridge" | "extism";
  readonly useWasi: boolean;
  /** The plugin's `extism:host/user` functions (built for a worker: they may suspend), fresh for each instance. */
  readonly functions: () => Record<string, ExtismHostFunction>;
  /** The plugin's live config and log level, and where its kernel log lines go. */
  readonly kernel: BridgeKernel;
  /** Extism's logger and starting level (transport `"extism"`, whose worker logs through it). */
  readonly logging: { readonly logger: Console; readonly logLevel: Exclude<LogPriorityName, "silent"> };
  /** Longest a call may run: starting gets at least {@link MIN_START_MS}. */
  readonly timeoutMs: number;
  /** Spinning before sleeping, in µs, on the engine's side and in the worker (bridge). */
  readonly spinMicros: { readonly engine: number; readonly worker: number };
  /** Idle resets of Extism's runInWorker (transport `"extism"`). */
  readonly resetEvery?: number | undefined;
  /** The guest memory cap in pages, for messages. */
  readonly memoryCap: number;
  /** The kernel caps (limits/host-memory.ts): enforced in a bridge worker; Extism's own var cap under runInWorker. */
  readonly hostMemory: HostMemoryLimits;
  /** Modules linked with the main one, by name (plugin.json `modules`). */
  readonly linked?: Readonly<Record<string, WebAssembly.Module>>;
  /** The engine's own WASI served in the worker (bridge and pool workers, Node): output lines and read-only mounts. */
  readonly wasi?: WorkerWasiSpec | undefined;
}

/**
 * The function that starts one worker-backed instance of `module` with the chosen transport, for a
 * `WorkerSupervisor` to call whenever it needs a fresh one. Host functions run on the engine's
 * thread inside the call's transaction.
 */
export function workerInstanceFactory(module: WebAssembly.Module, options: WorkerStartOptions): () => Promise<WorkerInstance> {
  const startTimeoutMs = Math.max(options.timeoutMs, MIN_START_MS);
  if (options.transport === "bridge") {
    return () =>
      BridgeInstance.start(module, {
        plugin: options.plugin,
        useWasi: options.useWasi,
        startTimeoutMs,
        spinMicros: options.spinMicros.engine,
        workerSpinMicros: options.spinMicros.worker,
        functions: options.functions(),
        kernel: options.kernel,
        memoryCap: options.memoryCap,
        hostMemory: options.hostMemory,
        ...(options.linked === undefined ? {} : { linked: options.linked }),
        ...(options.wasi === undefined ? {} : { wasi: options.wasi }),
      });
  }
  return () =>
    ExtismWorkerInstance.start(module, {
      plugin: options.plugin,
      useWasi: options.useWasi,
      functions: options.functions(),
      kernel: options.kernel,
      logger: options.logging.logger,
      logLevel: options.logging.logLevel,
      startTimeoutMs,
      resetEvery: options.resetEvery,
      memoryCap: options.memoryCap,
      maxVarBytes: options.hostMemory.maxVarBytes,
      ...(options.linked === undefined ? {} : { linked: options.linked }),
    });
}
