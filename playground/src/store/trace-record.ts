/**
 * Recorded calls (`engine.call(..., { record: true })`, issue 13) kept by the playground in
 * IndexedDB so that they survive a reload, and the few fields of a trace the Traces tab reads.
 * A trace is plain JSON (docs/replay.md); the engine checks it again when it replays it.
 */
import { playgroundDb, trim } from "./playground-db.ts";

/** Traces kept per plugin. */
export const TRACES_KEPT = 50;

/** A payload as a trace holds it: JSON, UTF-8 text or base64. */
export type TracePayload = { readonly json: unknown } | { readonly text: string } | { readonly base64: string };

/** What the Traces tab reads of a trace (the engine's `CallTrace` has these and more). */
export interface TraceView {
  readonly plugin: { readonly name: string; readonly version: string; readonly sha256: string | null };
  readonly export: string;
  readonly input: TracePayload;
  readonly host: ReadonlyArray<{ readonly fn: string; readonly request: TracePayload; readonly reply: TracePayload }>;
  readonly events?: ReadonlyArray<{ readonly topic: string; readonly payload?: unknown }>;
  readonly logs?: ReadonlyArray<{ readonly level?: string; readonly message?: string } | string>;
  readonly result: { readonly output: TracePayload } | { readonly error: { readonly code: string; readonly message: string } };
  readonly fuel: number | null;
  readonly timing?: { readonly startedAt?: string; readonly durationMs?: number };
  readonly truncated?: boolean;
}

export interface StoredTrace {
  readonly id?: number;
  readonly plugin: string;
  readonly at: number;
  /** Where it came from: recorded from the Call tab, kept by the engine (a failed call), or loaded from a file. */
  readonly from: "recorded" | "engine" | "file";
  readonly trace: TraceView;
}

/** A payload shown as text. */
export function payloadText(payload: TracePayload | undefined): string {
  if (payload === undefined) return "";
  if ("json" in payload) return JSON.stringify(payload.json);
  if ("text" in payload) return payload.text;
  return `base64:${payload.base64}`;
}

/** True when `value` has the shape of a trace this tab can show (the engine checks the rest). */
export function isTraceView(value: unknown): value is TraceView {
  const trace = value as Partial<TraceView> | null;
  return typeof trace === "object" && trace !== null && typeof trace.export === "string" && typeof trace.plugin?.name === "string" && Array.isArray(trace.host) && typeof trace.result === "object" && trace.result !== null;
}

export const traceStore = {
  async add(stored: StoredTrace): Promise<number> {
    const db = await playgroundDb();
    const id = await db.add("traces", stored);
    await trim(db, "traces", stored.plugin, TRACES_KEPT);
    return id;
  },
  async list(plugin: string): Promise<StoredTrace[]> {
    return (await playgroundDb()).getAllFromIndex("traces", "plugin", plugin);
  },
  async remove(id: number): Promise<void> {
    await (await playgroundDb()).delete("traces", id);
  },
};
