import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { copyEmbedderInput } from "@threadspace/host";
import { HostFailure, TopicPattern, type EventBus, type PermissionTable, type TopicEvent, type TopicHandler } from "@threadspace/host";
import type { PluginManifest } from "@threadspace/manifest";
import type { ExportCaller } from "../calls/plugin-runner.ts";
import type { EngineLogger } from "../engine-options.ts";
import type { EventLog, LoggedEvent, RecentEventsQuery } from "./event-log.ts";

/** Default number of events that may wait for one plugin's `on_event`. */
export const DEFAULT_EVENT_QUEUE_SIZE = 1000;

/** What `engine.events.stats(name)` reports, counted since the plugin was loaded. */
export interface EventStats {
  /** Events waiting for the plugin's `on_event` right now. */
  readonly queued: number;
  /** `on_event` calls that returned. */
  readonly delivered: number;
  /** `on_event` calls that failed (trap, error, timeout); the plugin keeps running. */
  readonly failed: number;
  /** Events dropped because the queue was full. */
  readonly dropped: number;
  /** Events not delivered because the plugin lacked `event:subscribe` at the time. */
  readonly denied: number;
  /** The last `on_event` failure. */
  readonly lastError?: string;
}

/** `engine.events`: the embedder's side of the event bus. */
export interface EngineEvents {
  /**
   * Calls `handler` for every event whose topic matches `pattern` (`*` matches one segment),
   * in publish order; a plugin's events arrive after its call committed. Returns `off()`.
   */
  on(pattern: string, handler: TopicHandler): () => void;
  /** Publishes an event now, with source `"host"`; `payload` must be JSON (default `null`). */
  emit(topic: string, payload?: unknown): void;
  /** Delivery counters of one plugin's `on_event` queue. */
  stats(name: string): EventStats;
  /**
   * The event log: the last `eventLogSize` events (default 256) published by plugins, the
   * embedder and the engine, oldest first, each with its `seq`. With storage it survives a
   * restart (stored behind the calls, so the last moments before a crash may be missing).
   *
   * @example
   * let last = -1;
   * for (const event of engine.events.recent({ since: last })) last = event.seq;
   */
  recent(query?: RecentEventsQuery): LoggedEvent[];
}

/** Options of {@link EventDelivery}. */
export interface EventDeliveryOptions {
  readonly logger: EngineLogger;
  /** Longest per-plugin queue; events beyond it are dropped and counted. */
  readonly queueSize?: number | undefined;
  /** Throws `plugin_not_found` for a name that is not installed. */
  readonly check: (name: string) => void;
  /** The event log `recent` reads (none: `recent` returns nothing). */
  readonly log?: EventLog | undefined;
}

type Counters = { -readonly [K in keyof EventStats]: EventStats[K] };

interface Envelope {
  readonly event: TopicEvent;
  /** The `on_event` input, serialised once for every subscriber. */
  json?: string;
}

interface Subscriber {
  readonly name: string;
  readonly patterns: readonly TopicPattern[];
  readonly runner: ExportCaller;
  readonly queue: Envelope[];
  readonly stats: Counters;
  attached: boolean;
  running: boolean;
}

/**
 * Delivers events to the plugins that subscribe to them (plugin.json `subscriptions`), through
 * their `on_event` export: in publish order per plugin, one at a time on the plugin's own call
 * queue, from a bounded queue (overflow is dropped and counted). A plugin gets events only while
 * it holds `event:subscribe` (checked when queued and again when delivered), never the events it
 * caused itself (no feedback loops), and a failing `on_event` is counted and logged, nothing more.
 */
export class EventDelivery {
  readonly #bus: EventBus;
  readonly #permissions: PermissionTable;
  readonly #logger: EngineLogger;
  readonly #queueSize: number;
  readonly #check: (name: string) => void;
  readonly #log: EventLog | undefined;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #stats = new Map<string, Counters>();

  constructor(bus: EventBus, permissions: PermissionTable, options: EventDeliveryOptions) {
    this.#bus = bus;
    this.#permissions = permissions;
    this.#logger = options.logger;
    this.#queueSize = options.queueSize ?? DEFAULT_EVENT_QUEUE_SIZE;
    if (!Number.isInteger(this.#queueSize) || this.#queueSize < 1) {
      throw new ThreadspaceError("bad_input", `eventQueueSize must be an integer ≥ 1; got ${String(options.queueSize)}.`);
    }
    this.#check = options.check;
    this.#log = options.log;
    bus.onError = (error, event) => this.#logger.warn(`[threadspace] an engine.events handler for "${event.topic}" failed: ${messageOf(error)}`);
    bus.listen((event, segments) => this.#route(event, segments));
  }

  /** The embedder's API (`engine.events`). */
  readonly api: EngineEvents = {
    on: (pattern, handler) => this.#embedder("events.on", () => this.#bus.on(pattern, handler)),
    emit: (topic, payload = null) => {
      this.#embedder("events.emit", () => {
        let json: string | undefined;
        try {
          json = JSON.stringify(payload);
        } catch (cause) {
          throw new HostFailure("bad_request", `the payload is not JSON: ${messageOf(cause)}`);
        }
        if (json === undefined) throw new HostFailure("bad_request", "the payload is not JSON (a function, symbol or undefined)");
        this.#bus.emit(topic, copyEmbedderInput(payload, `events.emit("${String(topic).slice(0, 64)}")`), "host");
      });
    },
    stats: (name) => {
      this.#check(name);
      const stats = this.#stats.get(name) ?? counters();
      return { ...stats, queued: this.#subscribers.get(name)?.queue.length ?? 0 };
    },
    recent: (query) => this.#log?.recent(query) ?? [],
  };

  /**
   * Publishes one of the engine's own lifecycle events (`plugin.installed`, ...) with source
   * `"host"`. Its payload is built by the engine from validated strings, fresh for this event, so
   * it skips the embedder's JSON check and copy that `events.emit` applies to outside input.
   */
  publishLifecycle(topic: string, payload: { readonly name: string; readonly version?: string }): void {
    this.#bus.emit(topic, payload, "host");
  }

  /** Starts delivering to a plugin that was just started (resets its counters). */
  attach(manifest: PluginManifest, runner: ExportCaller): void {
    const stats = counters();
    this.#stats.set(manifest.name, stats);
    if (manifest.subscriptions.length === 0) return;
    if (!runner.exports.has("on_event")) {
      this.#logger.warn(`[threadspace] [plugin ${manifest.name}] subscribes to ${manifest.subscriptions.join(", ")} but has no on_event export; it will receive no events.`);
      return;
    }
    const patterns = manifest.subscriptions.map((pattern) => new TopicPattern(pattern));
    this.#subscribers.set(manifest.name, { name: manifest.name, patterns, runner, queue: [], stats, attached: true, running: false });
  }

  /** Stops delivering to a plugin that is stopping; its queued events are discarded. */
  detach(name: string): void {
    const subscriber = this.#subscribers.get(name);
    if (subscriber === undefined) return;
    subscriber.attached = false;
    subscriber.queue.length = 0;
    this.#subscribers.delete(name);
  }

  /** Forgets an uninstalled plugin: stops delivering to it and drops its counters. */
  forget(name: string): void {
    this.detach(name);
    this.#stats.delete(name);
  }

  /** Stops delivering to every plugin (the engine is closing): later events reach no plugin, and routing them costs nothing. */
  detachAll(): void {
    for (const name of [...this.#subscribers.keys()]) this.detach(name);
  }

  #route(event: TopicEvent, segments: readonly string[]): void {
    let envelope: Envelope | undefined;
    for (const subscriber of this.#subscribers.values()) {
      if (event.source === subscriber.name || !matchesAny(subscriber.patterns, segments)) continue;
      if (!this.#permissions.has(subscriber.name, "event:subscribe")) {
        subscriber.stats.denied++;
        continue;
      }
      if (subscriber.queue.length >= this.#queueSize) {
        subscriber.stats.dropped++;
        continue;
      }
      subscriber.queue.push((envelope ??= { event }));
      if (!subscriber.running) void this.#pump(subscriber);
    }
  }

  async #pump(subscriber: Subscriber): Promise<void> {
    subscriber.running = true;
    try {
      // Deliver after the publishing code returns (an embedder's synchronous put never runs plugin code).
      await null;
      while (subscriber.attached) {
        const envelope = subscriber.queue.shift();
        if (envelope === undefined) break;
        if (!this.#permissions.has(subscriber.name, "event:subscribe")) {
          subscriber.stats.denied++;
          continue;
        }
        try {
          await subscriber.runner.callBytes("on_event", (envelope.json ??= JSON.stringify(envelope.event)));
          subscriber.stats.delivered++;
        } catch (error) {
          subscriber.stats.failed++;
          const message = messageOf(error).replace(/^\[threadspace\] \[plugin [^\]]+\] /, "");
          subscriber.stats.lastError = message;
          this.#logger.warn(`[threadspace] [plugin ${subscriber.name}] on_event failed for "${envelope.event.topic}": ${message}`);
        }
      }
    } finally {
      subscriber.running = false;
    }
  }

  #embedder<T>(where: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof HostFailure) throw new ThreadspaceError("bad_input", `${where}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}

/** True when one of `patterns` matches the topic (a plain loop: this runs for every subscriber of every event). */
function matchesAny(patterns: readonly TopicPattern[], segments: readonly string[]): boolean {
  for (const pattern of patterns) if (pattern.matches(segments)) return true;
  return false;
}

function counters(): Counters {
  return { queued: 0, delivered: 0, failed: 0, dropped: 0, denied: 0 };
}
