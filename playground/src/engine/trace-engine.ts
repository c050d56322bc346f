/**
 * Record and replay as the page reaches them across `connectEngine` (issue 13: `result.trace`,
 * `engine.traces(name)`, `engine.replay(trace, { plugin })`), and whether the connected engine
 * has them. The Traces tab and the Call tab's "Record" box use only this.
 */
import type { RemoteEngine } from "@threadspace/worker";

/** One difference a replay found (docs/replay.md). */
export interface ReplayDifference {
  readonly kind: "host" | "output" | "error" | "fuel";
  readonly index?: number;
  readonly expected: unknown;
  readonly got: unknown;
}

/** What `engine.replay` resolves with, as the tab reads it. */
export interface ReplayOutcome {
  readonly same: boolean;
  readonly differences: readonly ReplayDifference[];
  readonly output?: { readonly bytes: Uint8Array } | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
  readonly fuel?: number | null;
  readonly notes: readonly string[];
}

export interface TraceEngine {
  traces(name: string): Promise<readonly unknown[]>;
  replay(trace: unknown, options?: { readonly plugin?: string }): Promise<ReplayOutcome>;
}

/** The engine's record/replay, or undefined when this engine build has none. */
export function traceEngine(engine: RemoteEngine): TraceEngine | undefined {
  const candidate = engine as unknown as Partial<TraceEngine>;
  return typeof candidate.traces === "function" && typeof candidate.replay === "function" ? (candidate as TraceEngine) : undefined;
}
