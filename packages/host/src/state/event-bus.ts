import { HostFailure } from "../host-types.ts";
import type { CallTransaction } from "../transaction.ts";

/** An event as handlers and plugins receive it. */
export interface TopicEvent {
  /** `.`-separated segments of `a-z 0-9 _ -`, e.g. `memory.created`. */
  readonly topic: string;
  /** Any JSON value (`null` when none was given). */
  readonly payload: unknown;
  /** Who caused it: a plugin's name, or `"host"` for the embedder and the engine. */
  readonly source: string;
  /** When it was published (its call committed), ms since the epoch. */
  readonly at: number;
}

/** Receives events; a returned promise is awaited by nobody (its rejection is reported). */
export type TopicHandler = (event: TopicEvent) => void | Promise<void>;

/** Longest topic or pattern, in characters. */
export const MAX_TOPIC_LENGTH = 256;
const TOPIC = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const PATTERN = /^(?:[a-z0-9_-]+|\*)(?:\.(?:[a-z0-9_-]+|\*))*$/;

/** What is wrong with a topic to emit (no `*`), or `undefined` when it is valid. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length > MAX_TOPIC_LENGTH) return `the topic is ${topic.length} characters long; at most ${MAX_TOPIC_LENGTH} are allowed`;
  if (TOPIC.test(topic)) return undefined;
  return `${JSON.stringify(topic)} is not a topic: write lowercase segments of a-z, 0-9, "_" or "-" separated by ".", e.g. "app.saved"`;
}

/** What is wrong with a subscription pattern, or `undefined` when it is valid. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_TOPIC_LENGTH) return `the pattern is ${pattern.length} characters long; at most ${MAX_TOPIC_LENGTH} are allowed`;
  if (PATTERN.test(pattern)) return undefined;
  return `${JSON.stringify(pattern)} is not a topic pattern: write segments of a-z, 0-9, "_" or "-" separated by ".", with "*" as a whole segment matching any one segment, e.g. "memory.*"`;
}

/**
 * A compiled topic pattern. `*` matches exactly one segment wherever it stands, so `memory.*`
 * matches `memory.created` but neither `memory` nor `memory.created.v2` (write `memory.*.*`).
 */
export class TopicPattern {
  readonly source: string;
  readonly #segments: readonly string[];

  /** Throws `HostFailure("bad_request")` for an invalid pattern. */
  constructor(pattern: string) {
    const problem = patternProblem(pattern);
    if (problem !== undefined) throw new HostFailure("bad_request", problem);
    this.source = pattern;
    this.#segments = pattern.split(".");
  }

  /** True when the topic, already split at `.`, matches. */
  matches(segments: readonly string[]): boolean {
    const own = this.#segments;
    if (own.length !== segments.length) return false;
    for (let i = 0; i < own.length; i++) if (own[i] !== "*" && own[i] !== segments[i]) return false;
    return true;
  }
}

/** Receives every event with its topic split at `.` (split once for every matcher). */
export type TopicListener = (event: TopicEvent, segments: readonly string[]) => void;

interface Subscription {
  readonly pattern: TopicPattern | undefined;
  readonly handler: (event: TopicEvent, segments: readonly string[]) => void | Promise<void>;
}

interface Published {
  readonly event: TopicEvent;
  readonly segments: readonly string[];
}

/**
 * The engine's event bus. Writers emit inside a transaction (delivered when it commits, dropped
 * when it aborts) or directly; every listener sees every event in the same order: a handler that
 * emits does not jump the queue, its event is dispatched after the current one.
 *
 * @example
 * const off = bus.on("memory.*", (event) => console.log(event.topic, event.payload));
 * bus.emit("app.saved", { id: "m1" }); // → handlers of "app.*", "*.saved", ...
 * off();
 */
export class EventBus {
  /** Receives errors thrown (or rejected) by handlers; they never reach the emitter. */
  onError: (error: unknown, event: TopicEvent) => void = (error, event) => console.error(`[threadspace] event handler for "${event.topic}" failed:`, error);
  readonly #subscriptions: Subscription[] = [];
  readonly #pending: Published[] = [];
  #dispatching = false;

  /** Calls `handler` for every event matching `pattern`; returns a function that unsubscribes. */
  on(pattern: string, handler: TopicHandler): () => void {
    return this.#add({ pattern: new TopicPattern(pattern), handler });
  }

  /** Calls `listener` for every event (the engine's delivery to plugins uses this). */
  listen(listener: TopicListener): () => void {
    return this.#add({ pattern: undefined, handler: listener });
  }

  /** Publishes an event now. Throws `HostFailure("bad_request")` for an invalid topic. */
  emit(topic: string, payload: unknown = null, source = "host"): void {
    checkTopic(topic);
    this.#publish(topic, payload, source);
  }

  /** Publishes an event when `tx` commits (with `tx.actor` as its source); nothing if it aborts. */
  emitOnCommit(tx: CallTransaction, topic: string, payload: unknown = null): void {
    checkTopic(topic);
    tx.onCommit(() => this.#publish(topic, payload, tx.actor));
  }

  #add(subscription: Subscription): () => void {
    this.#subscriptions.push(subscription);
    return () => {
      const at = this.#subscriptions.indexOf(subscription);
      if (at !== -1) this.#subscriptions.splice(at, 1);
    };
  }

  #publish(topic: string, payload: unknown, source: string): void {
    this.#pending.push({ event: { topic, payload, source, at: Date.now() }, segments: topic.split(".") });
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) this.#dispatch(this.#pending[i] as Published);
    } finally {
      this.#pending.length = 0;
      this.#dispatching = false;
    }
  }

  #dispatch({ event, segments }: Published): void {
    for (const { pattern, handler } of [...this.#subscriptions]) {
      if (pattern !== undefined && !pattern.matches(segments)) continue;
      try {
        const result = handler(event, segments);
        if (result instanceof Promise) result.catch((error: unknown) => this.onError(error, event));
      } catch (error) {
        this.onError(error, event);
      }
    }
  }
}

/** Topics that passed {@link topicProblem} lately (most emits repeat a few topics): checked once, not per event. */
const validTopics = new Set<string>();
const VALID_TOPICS_KEPT = 256;

function checkTopic(topic: string): void {
  if (validTopics.has(topic)) return;
  const problem = topicProblem(topic);
  if (problem !== undefined) throw new HostFailure("bad_request", problem);
  if (validTopics.size >= VALID_TOPICS_KEPT) validTopics.clear();
  validTopics.add(topic);
}
