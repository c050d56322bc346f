import { spawnBridgeWorker } from "#bridge-spawn";
import { ThreadspaceError } from "@threadspace/errors";
import { BridgeChannel, logOutsideCall } from "../bridge/bridge-channel.ts";
import { DEFAULT_CAPACITY, bufferFor, type FromWorker, type GuestSpec } from "../bridge/protocol.ts";
import { CallNotStartedError, type CallOptions, type CallOutcome } from "../instance.ts";
import type { CallChains } from "./call-chains.ts";
import { PooledInstance, type PoolGuest } from "./pooled-instance.ts";

/** One unit of work on a pool worker's buffer: a call, or an instance coming or going. */
interface Job {
  /** The instance it is for. */
  readonly owner: PooledInstance;
  readonly run: () => Promise<void>;
  /** Fails it without running it (its worker is gone). */
  readonly drop: (why: string) => void;
}

/** Everything a pool worker needs to instantiate one plugin. */
export interface PoolGuestSpec extends Omit<GuestSpec, "hostFunctions"> {
  readonly guest: Omit<PoolGuest, "id" | "pages">;
  /**
   * Longest instantiation may take before the worker is terminated (a start function that never
   * returns; its neighbours restart). A metered module's meter stops it sooner, at `startMs`,
   * and the worker lives on.
   */
  readonly startTimeoutMs: number;
}

/** How long past `startTimeoutMs` a pool worker waits for a metered start function to stop itself before it is terminated. */
const START_GRACE_MS = 250;

/**
 * One worker of a pool: many plugins' Extism instances (bridge-worker.ts, opened with `open`),
 * one SharedArrayBuffer, one call at a time. Work is queued first come first served; since each
 * plugin's runner sends one call at a time, the queue holds at most one call per plugin (and its
 * instantiation or disposal): bounded by the plugins it hosts, and fair between them.
 */
export class PoolWorker {
  /** `pool name #n`, for messages and debuggers. */
  readonly label: string;
  readonly #channel: BridgeChannel;
  readonly #guests = new Map<number, PooledInstance>();
  /** Instances being instantiated (counted for placement; their start-up log lines reach their plugin's log). */
  readonly #starting = new Map<number, PooledInstance>();
  #nextId = 1;
  readonly #queue: Job[] = [];
  #running: Job | undefined;
  #gone = false;
  /** Answers of the worker to `instantiate` / `dispose`, by instance id. */
  readonly #answers = new Map<number, (message: Exclude<FromWorker, { type: "buffer" | "log" }>) => void>();
  /** Told once the worker is gone (exited, failed, terminated), so its pool forgets it. */
  onGone: (worker: PoolWorker) => void = () => undefined;
  /** Told when its last instance was disposed. */
  onEmpty: (worker: PoolWorker) => void = () => undefined;

  readonly #chains: CallChains;

  constructor(label: string, spin: { readonly engine: number; readonly worker: number }, chains: CallChains) {
    this.label = label;
    this.#chains = chains;
    const buffer = bufferFor(DEFAULT_CAPACITY);
    const worker = spawnBridgeWorker(`threadspace ${label}`);
    this.#channel = new BridgeChannel(worker, buffer, spin.engine);
    this.#channel.onMessage = (message) => {
      if (message.type === "log") logOutsideCall((this.#guests.get(message.id) ?? this.#starting.get(message.id))?.guest.kernel, message.priority, message.text, message.wasi);
      else this.#answers.get(message.id)?.(message);
    };
    worker.onError((error) => this.#ended(`failed (${error.message})`));
    worker.onExit((why) => this.#ended(why));
    worker.postMessage({ type: "open", buffer, spinMicros: spin.worker });
  }

  /** Plugins it hosts or is instantiating (for placement). */
  get load(): number {
    return this.#guests.size + this.#starting.size;
  }

  /** True once its thread is gone. */
  get gone(): boolean {
    return this.#gone;
  }

  /** The plugins it hosts (for placement: dependencies are kept apart where the pool can). */
  *guests(): Iterable<PoolGuest> {
    for (const instance of this.#guests.values()) yield instance.guest;
  }

  /** True while `instance`'s work is the one running on the worker. */
  runs(instance: PooledInstance): boolean {
    return this.#running?.owner === instance;
  }

  /** Instantiates a plugin in this worker (queued like a call). Rejects with `wasm_invalid` / `init_failed` as a worker of its own would. */
  instantiate(spec: PoolGuestSpec): Promise<PooledInstance> {
    const id = this.#nextId++;
    const instance = new PooledInstance(this, { ...spec.guest, id, pages: 0 });
    const plugin = spec.guest.plugin;
    this.#starting.set(id, instance);
    return new Promise<PooledInstance>((resolve, reject) => {
      const done = (): void => {
        this.#starting.delete(id);
        this.#answers.delete(id);
      };
      this.#enqueue({
        owner: instance,
        drop: (why) => {
          done();
          reject(new ThreadspaceError("init_failed", `could not be instantiated: its pool worker (${this.label}) ${why}. Install or load it again.`, { plugin }));
        },
        run: () =>
          new Promise<void>((finished) => {
            const timer = setTimeout(() => this.kill(`was terminated because ${plugin} did not finish instantiating within ${spec.startTimeoutMs} ms (a start function that never returns?)`), spec.startTimeoutMs + START_GRACE_MS);
            this.#answers.set(id, (message) => {
              clearTimeout(timer);
              done();
              if (message.type === "ready") {
                this.#guests.set(id, instance);
                resolve(instance);
              } else if (message.type === "failed") {
                reject(new ThreadspaceError(message.kind === "link" ? "wasm_invalid" : "init_failed", `could not be instantiated in a pool worker: ${message.message}`, { plugin }));
              }
              finished();
            });
            const { module, useWasi, config, configVersion, hostMemory, startMs, linked, wasi } = spec;
            this.#channel.yieldTo({ type: "instantiate", id, module, useWasi, config, configVersion, hostMemory, startMs, linked, wasi, hostFunctions: spec.guest.hostNames });
          }),
      });
    });
  }

  /** Calls an export of `instance` when the worker is free. */
  call(instance: PooledInstance, exportName: string, input: Uint8Array, options: CallOptions | undefined): Promise<CallOutcome> {
    const caller = options?.caller;
    const running = this.#running?.owner.guest.plugin;
    // The call running on this worker waits (in ts_plugin_call, maybe through other plugins) for this one: it would wait for itself.
    if (running !== undefined && this.#chains.leadsTo(caller, running)) {
      const through = caller === running ? "" : ` (through ${caller})`;
      return Promise.reject(
        new ThreadspaceError(
          "busy",
          `${exportName} was called on behalf of ${running}${through}, which runs in the same pool worker (${this.label}) and waits for this call; a pool worker runs one call at a time, so the call would wait for itself. Put these plugins in different pools (createEngine({ isolation: { pools, poolFor } })), give the pool more workers, or run one of them with limits.isolation "worker" or "inline".`,
          { plugin: instance.guest.plugin },
        ),
      );
    }
    return new Promise<CallOutcome>((resolve, reject) => {
      this.#enqueue({
        owner: instance,
        drop: (why) => reject(new CallNotStartedError(instance.guest.plugin, exportName, why)),
        run: () => {
          const plugin = instance.guest.plugin;
          options?.onStart?.();
          this.#chains.running(plugin, caller);
          return this.#channel
            .call(instance.guest, exportName, input, options, { mode: "host" })
            .then(resolve, reject)
            .finally(() => this.#chains.done(plugin));
        },
      });
    });
  }

  /** Frees an instance (queued behind the work before it); resolves at once when the worker is gone. */
  dispose(instance: PooledInstance): Promise<void> {
    const id = instance.guest.id;
    if (this.#gone || !this.#guests.has(id)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#enqueue({
        owner: instance,
        drop: () => resolve(),
        run: () =>
          new Promise<void>((finished) => {
            this.#answers.set(id, () => {
              this.#answers.delete(id);
              this.#guests.delete(id);
              resolve();
              finished();
              if (this.load === 0) this.onEmpty(this);
            });
            this.#channel.yieldTo({ type: "dispose", id });
          }),
      });
    });
  }

  /**
   * Terminates the worker: the work running on it is left to its caller (its supervisor timed it
   * out), queued calls are dropped as not started (their supervisors retry them), and every other
   * instance is told its worker `why` (their supervisors start fresh instances).
   */
  kill(why: string, cause?: PooledInstance): void {
    if (cause !== undefined) this.#guests.delete(cause.guest.id);
    this.#ended(why, true);
  }

  /** Closes an idle worker (no instances left). */
  close(): Promise<void> {
    this.#gone = true;
    this.#channel.die(new ThreadspaceError("plugin_unavailable", `its pool worker (${this.label}) was closed.`));
    return this.#channel.worker.terminate();
  }

  #enqueue(job: Job): void {
    if (this.#gone) {
      job.drop(`(${this.label}) is gone`);
      return;
    }
    this.#queue.push(job);
    this.#pump();
  }

  #pump(): void {
    if (this.#running !== undefined || this.#gone) return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#running = job;
    void job.run().finally(() => {
      if (this.#running === job) this.#running = undefined;
      this.#pump();
    });
  }

  /** The worker is gone: fail what waits, drop what is queued, tell the instances. */
  #ended(why: string, terminate = false): void {
    if (this.#gone) return;
    this.#gone = true;
    const error = new ThreadspaceError("plugin_unavailable", `its pool worker (${this.label}) ${why}.`);
    this.#channel.die(error);
    if (terminate) void this.#channel.worker.terminate();
    const running = this.#running?.owner;
    this.#running = undefined;
    for (const job of this.#queue.splice(0)) job.drop(why);
    const told = [...this.#guests.values()];
    this.#guests.clear();
    for (const answer of [...this.#answers.values()]) answer({ type: "failed", id: -1, kind: "other", message: `its pool worker ${why}` });
    this.onGone(this);
    // The instance whose call was running hears at once (its supervisor fails that call, as for a
    // worker of its own); the others on a later task, after their dropped calls were retried.
    running?.exited(why);
    setTimeout(() => {
      for (const instance of told) if (instance !== running) instance.exited(why);
    }, 0);
  }
}
