import { isThreadspaceError, type CallResult, type LogEntry } from "@threadspace/core";
import { PluginHarness } from "./harness.ts";

/** What a matcher returns (the shape Vitest's and Jest's `expect.extend` take). */
export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
  readonly actual?: unknown;
  readonly expected?: unknown;
}

/** The part of Vitest's/Jest's matcher context the matchers use (`this` inside a matcher). */
export interface MatcherContext {
  /** Deep equality that understands asymmetric matchers (`expect.any(String)`). */
  equals?(a: unknown, b: unknown): boolean;
  readonly isNot?: boolean;
}

/** What `toHaveWritten` looks for. */
export type WrittenKind = "memory" | "thread";

const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
type Level = (typeof LEVELS)[number];

const show = (value: unknown): string => {
  if (value instanceof RegExp) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

function equal(context: MatcherContext, actual: unknown, expected: unknown): boolean {
  return context.equals !== undefined ? context.equals(actual, expected) : show(actual) === show(expected);
}

/** True when every key of `expected` equals the same key of `actual` (an object subset). */
function contains(context: MatcherContext, actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null || Array.isArray(expected) || typeof actual !== "object" || actual === null) return equal(context, actual, expected);
  return Object.entries(expected).every(([key, value]) => equal(context, (actual as Record<string, unknown>)[key], value));
}

function harnessOf(received: unknown, matcher: string): PluginHarness {
  if (received instanceof PluginHarness) return received;
  throw new TypeError(`${matcher}: expect(...) takes the harness testPlugin() returned; got ${received === null ? "null" : typeof received}.`);
}

function list(lines: readonly string[], none: string): string {
  return lines.length === 0 ? `  (${none})` : lines.slice(-20).map((text) => `  ${text}`).join("\n");
}

/** `expect(t).toBeRunning()`: the plugin installed, `init_plugin` succeeded and it serves calls. */
export function toBeRunning(this: MatcherContext, received: unknown): MatcherResult {
  const t = harnessOf(received, "toBeRunning");
  const state = t.engine.get(t.name)?.state ?? "not installed";
  return { pass: state === "ready", message: () => `expected ${t.name} ${this.isNot === true ? "not " : ""}to be running; it is ${state}` };
}

/** `expect(t).toHaveEmitted(topic, payload?)`: the plugin published an event on `topic` (with a payload equal to `payload`). */
export function toHaveEmitted(this: MatcherContext, received: unknown, topic: string, ...payload: unknown[]): MatcherResult {
  const t = harnessOf(received, "toHaveEmitted");
  const events = t.emitted;
  const pass = events.some((event) => event.topic === topic && (payload.length === 0 || equal(this, event.payload, payload[0])));
  const what = `${topic}${payload.length === 0 ? "" : ` with ${show(payload[0])}`}`;
  return {
    pass,
    message: () => `expected ${t.name} ${this.isNot === true ? "not " : ""}to have emitted ${what}; it emitted:\n${list(events.map((e) => `${e.topic} ${show(e.payload)}`), "no events")}`,
  };
}

function logMatches(entry: LogEntry, level: Level, text: string | RegExp | undefined): boolean {
  if (entry.level !== level) return false;
  if (text === undefined) return true;
  return typeof text === "string" ? entry.message.includes(text) : text.test(entry.message);
}

/** `expect(t).toHaveLogged(level, text?)`: the plugin logged at `level` a message containing `text` (or matching a RegExp). */
export function toHaveLogged(this: MatcherContext, received: unknown, level: Level, text?: string | RegExp): MatcherResult {
  const t = harnessOf(received, "toHaveLogged");
  if (!(LEVELS as readonly string[]).includes(level)) throw new TypeError(`toHaveLogged: the level must be one of ${LEVELS.join(", ")}; got ${show(level)}.`);
  const logs = t.logs;
  return {
    pass: logs.some((entry) => logMatches(entry, level, text)),
    message: () =>
      `expected ${t.name} ${this.isNot === true ? "not " : ""}to have logged ${level}${text === undefined ? "" : ` ${show(text)}`}; its log:\n${list(logs.map((e) => `${e.level} ${e.message}`), "nothing logged")}`,
  };
}

/** What the plugin wrote of a kind: memories it created or updated (as they are now), thread entries it appended. */
function writesOf(t: PluginHarness, kind: WrittenKind): unknown[] {
  if (kind === "memory") {
    return t.emitted
      .filter((event) => event.topic === "memory.created" || event.topic === "memory.updated")
      .map((event) => {
        const id = (event.payload as { id: string }).id;
        return t.memories.get(id) ?? event.payload;
      });
  }
  return t.emitted
    .filter((event) => event.topic === "thread.appended")
    .map((event) => {
      const { threadId, seq, author } = event.payload as { threadId: string; seq: number; author: string };
      const entry = t.threads.entries(threadId).find((item) => item.seq === seq);
      return { threadId, seq, author, ...entry };
    });
}

/**
 * `expect(t).toHaveWritten("memory", { content: "..." })`: the plugin created or updated a memory
 * with those fields (any other fields may differ); `"thread"`: it appended a thread entry
 * (`{ threadId?, content?, author? }`). Without fields: it wrote any.
 */
export function toHaveWritten(this: MatcherContext, received: unknown, kind: WrittenKind, fields?: Record<string, unknown>): MatcherResult {
  const t = harnessOf(received, "toHaveWritten");
  if (kind !== "memory" && kind !== "thread") throw new TypeError(`toHaveWritten: the kind must be "memory" or "thread"; got ${show(kind)}. (Read key-value state with t.kv.get(key).)`);
  const writes = writesOf(t, kind);
  return {
    pass: writes.some((write) => fields === undefined || contains(this, write, fields)),
    message: () => `expected ${t.name} ${this.isNot === true ? "not " : ""}to have written a ${kind}${fields === undefined ? "" : ` with ${show(fields)}`}; it wrote:\n${list(writes.map(show), `no ${kind} writes`)}`,
  };
}

/** `expect(result).toUseFuelBelow(n)`: the call ran fewer than `n` instructions (`result.fuel`). */
export function toUseFuelBelow(this: MatcherContext, received: unknown, limit: number): MatcherResult {
  const fuel = (received as Partial<CallResult> | null)?.fuel;
  if (typeof received !== "object" || received === null || !("fuel" in received)) throw new TypeError("toUseFuelBelow: expect(...) takes a call's result (await t.call(...)).");
  if (fuel === undefined) return { pass: false, message: () => "the call's fuel was not counted: the plugin is not metered (a precompiled module without build-time metering)" };
  return { pass: fuel < limit, actual: fuel, expected: limit, message: () => `expected the call ${this.isNot === true ? "not " : ""}to use fuel below ${limit}; it used ${fuel}` };
}

/**
 * `await expect(t.call(...)).toFailWith("permission_denied")`: the call (a promise, or a function
 * returning one) rejects with a `ThreadspaceError` of that code.
 */
export async function toFailWith(this: MatcherContext, received: unknown, code: string): Promise<MatcherResult> {
  const pending = typeof received === "function" ? (received as () => unknown)() : received;
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await pending };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const got = outcome.ok
    ? `it succeeded${outcome.value !== null && typeof outcome.value === "object" && "text" in outcome.value ? ` with ${show((outcome.value as CallResult).text())}` : ""}`
    : isThreadspaceError(outcome.error)
      ? `it failed with ${outcome.error.code}: ${outcome.error.message}`
      : `it failed with ${String(outcome.error)} (not a ThreadspaceError)`;
  return {
    pass: !outcome.ok && isThreadspaceError(outcome.error) && outcome.error.code === code,
    message: () => `expected the call ${this.isNot === true ? "not " : ""}to fail with ${code}; ${got}`,
  };
}

/** Every matcher, for `expect.extend(matchers)` (Vitest, Jest). */
export const matchers = { toBeRunning, toHaveEmitted, toHaveLogged, toHaveWritten, toUseFuelBelow, toFailWith };
