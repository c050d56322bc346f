import { ThreadspaceError } from "@threadspace/errors";
import { HostFailure, type CallTransaction } from "@threadspace/host";
import type { EffectiveLimits } from "./limits-policy.ts";

/** Most calls that may wait behind the running one, per plugin, by default (`createEngine({ maxQueuedCalls })`). */
export const DEFAULT_MAX_QUEUED_CALLS = 1000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Limits enforced while host functions run, for every plugin of one engine:
 * - `hostCallsPerCall`: the host call past the limit (and every later one in that call) replies
 *   `{"error":{"code":"limit_exceeded"}}` without doing anything, and the plugin call itself then
 *   fails with `limit_exceeded` (its effects discarded), whatever the plugin does with the reply.
 * - `eventsPerSecond`: a token bucket per plugin (capacity = the limit, refilled at the limit per
 *   second); a `ts_event_emit` with no token left replies `limit_exceeded` and emits nothing; the
 *   call goes on (the plugin may drop or retry the event).
 */
export class CallLimits {
  readonly #limits = new Map<string, Pick<EffectiveLimits, "hostCallsPerCall" | "eventsPerSecond">>();
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Sets the limits of a plugin (before it starts: its lifecycle calls are limited too). */
  use(plugin: string, limits: Pick<EffectiveLimits, "hostCallsPerCall" | "eventsPerSecond">): void {
    this.#limits.set(plugin, { hostCallsPerCall: limits.hostCallsPerCall, eventsPerSecond: limits.eventsPerSecond });
  }

  /** The `beforeCall` hook of the host functions: throws `HostFailure("limit_exceeded")` to refuse a host call. */
  readonly beforeHostCall = (plugin: string, importName: string, tx: CallTransaction): void => {
    const limits = this.#limits.get(plugin);
    if (limits === undefined) return;
    const count = tx.countHostCall();
    if (count > limits.hostCallsPerCall) {
      const message = `${plugin} made more than ${limits.hostCallsPerCall} host calls in one call (limits.hostCallsPerCall); ${importName} was refused and the call will fail with its effects discarded`;
      // The transaction keeps the call's failure: the runner fails the call with it instead of committing.
      if (tx.failure === undefined) tx.fail(new ThreadspaceError("limit_exceeded", `made more than ${limits.hostCallsPerCall} host calls in one call (limits.hostCallsPerCall), so the call failed and its effects are discarded. Make fewer host calls per call (batch them), or raise limits.hostCallsPerCall in plugin.json (the host's policy caps it).`, { plugin }));
      throw new HostFailure("limit_exceeded", message);
    }
    if (importName === "ts_event_emit" && !this.#take(plugin, limits.eventsPerSecond)) {
      throw new HostFailure("limit_exceeded", `${plugin} may emit at most ${limits.eventsPerSecond} events per second (limits.eventsPerSecond); this event was not emitted`);
    }
  };

  /** Forgets a plugin's limits and event bucket (uninstall). */
  forget(plugin: string): void {
    this.#limits.delete(plugin);
    this.#buckets.delete(plugin);
  }

  #take(plugin: string, perSecond: number): boolean {
    const now = this.#now();
    let bucket = this.#buckets.get(plugin);
    if (bucket === undefined) {
      bucket = { tokens: perSecond, at: now };
      this.#buckets.set(plugin, bucket);
    } else {
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/**
 * The engine-wide cap on plugin workers (`createEngine({ isolation: { maxWorkers } })`, the
 * guide's MAX_THREADS): a worker-isolated plugin takes a slot before its worker starts (install,
 * load, restart after a timeout or crash) and gives it back when that worker is closed. With
 * every slot taken, starting waits (first come, first served) until one is given back.
 */
export class WorkerSlots {
  readonly max: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`isolation.maxWorkers must be a whole number of at least 1; got ${String(max)}`);
    this.max = max;
  }

  /** Workers running now. */
  get used(): number {
    return this.#used;
  }

  /** Starts waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function (idempotent) once a slot is free. */
  acquire(): Promise<() => void> {
    if (this.#used < this.max && this.#waiting.length === 0) return Promise.resolve(this.#grant());
    return new Promise((resolve) => this.#waiting.push(() => resolve(this.#grant())));
  }

  /** A release function when a slot is free now and nobody waits for one; undefined otherwise (a pool then shares the workers it has). */
  tryAcquire(): (() => void) | undefined {
    return this.#used < this.max && this.#waiting.length === 0 ? this.#grant() : undefined;
  }

  #grant(): () => void {
    this.#used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
      const next = this.#waiting.shift();
      next?.();
    };
  }
}
