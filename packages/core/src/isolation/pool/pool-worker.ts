import { spawnBridgeWorker } from "#bridge-spawn";
import { ThreadspaceError } from "@threadspace/errors";
import { BridgeChannel, logOutsideCall } from "../bridge/bridge-channel.ts";
import { DEFAULT_CAPACITY, bufferFor, type FromWorker, type GuestSpec } from "../bridge/protocol.ts";
import { CallNotStartedError, type CallOptions, type CallOutcome } from "../instance.ts";
import type { CallChains, SharedThread } from "../../calls/call-chains.ts";
import { PooledInstance, type PoolGuest } from "./pooled-instance.ts";

/** One unit of work on a pool worker's buffer: a call, or an instance coming or going. */
interface Job {
  /** The instance it is for. */
  readonly owner: PooledInstance;
  readonly run: () => Promise<void>;
  /** Fails it without running it (its worker is gone). */
  readonly drop: (why: string) => void;
  /** Fails it without running it because it would wait for itself (`busy`); absent: it is not a plugin's wait (a disposal). */
  readonly refuse?: (error: unknown) => void;
  /** Ends its wait in the engine's {@link CallChains} (it started, or was dropped). */
  waited?: () => void;
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

/**
 * An instantiation that never started: its pool worker went away first (terminated for a
 * neighbour that would not stop). Nothing of it ran: its pool places it again, once.
 */
export class InstantiationNotStartedError extends ThreadspaceError {
  constructor(plugin: string, label: string, why: string) {
    super("init_failed", `could not be instantiated: its pool worker (${label}) ${why} before its turn. Install or load it again.`, { plugin });
  }
}

/** How long past `startTimeoutMs` a pool worker waits for a metered start function to stop itself before it is terminated. */
const START_GRACE_MS = 250;

/**
 * One worker of a pool: many plugins' Extism instances (bridge-worker.ts, opened with `open`),
 * one SharedArrayBuffer, one call at a time. Work is queued first come first served; since each
 * plugin's runner sends one call at a time, the queue holds at most one call per plugin (and its
 * instantiation or disposal): bounded by the plugins it hosts, and fair between them.
 */
export class PoolWorker implements SharedThread {
  /** `pool name #n`, for messages and debuggers. */
  readonly label: string;
  /** Its number in its pool (the `n` of its label). */
  readonly number: number;
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
  /** Told once the worker is gone (exited, failed, terminated, closed), so its pool forgets it and gives its slot back. */
  onGone: (worker: PoolWorker) => void = () => undefined;
  /** Told when its last instance was disposed. */
  onEmpty: (worker: PoolWorker) => void = () => undefined;

  readonly #chains: CallChains;

  constructor(label: string, spin: { readonly engine: number; readonly worker: number }, chains: CallChains, number = 1) {
    this.label = label;
    this.number = number;
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

  /** The plugin whose work runs on the worker now (for the engine's {@link CallChains}). */
  runningPlugin(): string | undefined {
    return this.#running?.owner.guest.plugin;
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
          reject(new InstantiationNotStartedError(plugin, this.label, why));
        },
        refuse: (error) => {
          done();
          reject(error);
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
    return new Promise<CallOutcome>((resolve, reject) => {
      this.#enqueue({
        owner: instance,
        drop: (why) => reject(new CallNotStartedError(instance.guest.plugin, exportName, `(${this.label}) ${why}`)),
        refuse: reject,
        run: () => {
          options?.onStart?.();
          const plugin = instance.guest.plugin;
          // Its ts_plugin_calls end with it (one cut short at its deadline may still run).
          return this.#channel.call(instance.guest, exportName, input, options, { mode: "host" }).then(resolve, reject).finally(() => this.#chains.ended(plugin));
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

  /**
   * Closes the worker (idle, or the engine is closing): work still queued or running fails as
   * when the worker dies, and its pool hears `onGone`.
   */
  async close(): Promise<void> {
    if (this.#gone) return;
    this.#ended("was closed");
    await this.#channel.terminate();
  }

  /**
   * Queues work. Refused with `busy` (by {@link CallChains}) when the call running on the worker
   * waits, through any chain of plugin calls, for the plugin this work is for: it would never run.
   */
  #enqueue(job: Job): void {
    if (this.#gone) {
      job.drop("is gone");
      return;
    }
    if (job.refuse !== undefined) {
      try {
        job.waited = this.#chains.queued(job.owner.guest.plugin, this);
      } catch (refused) {
        job.refuse(refused);
        return;
      }
    }
    this.#queue.push(job);
    this.#pump();
  }

  #pump(): void {
    if (this.#running !== undefined || this.#gone) return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    job.waited?.();
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
    if (terminate) void this.#channel.terminate();
    const running = this.#running?.owner;
    this.#running = undefined;
    for (const job of this.#queue.splice(0)) {
      job.waited?.();
      job.drop(why);
    }
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
