import type { CallResult } from "../calls/call-result.ts";
import type { CallTap } from "./call-tap.ts";
import { encodePayload, payloadBytes, samePayload, type CallTrace, type TracePayload } from "./trace.ts";
import { errorOf } from "./trace-recorder.ts";
import { TraceReplayer, type HostDifference } from "./trace-replayer.ts";
import type { WasiDifference } from "./wasi-reads.ts";

/** Options of `engine.replay`. */
export interface ReplayOptions {
  /** The installed plugin to run the trace's export on (a rebuilt one); default the trace's plugin. */
  readonly plugin?: string;
  /** Largest trace read, in bytes of JSON. Default: the engine's `record.maxBytes` (8 MiB). */
  readonly maxBytes?: number;
}

/** How a call ended, as a replay compares it: its error's code and message. */
export interface ReplayError {
  readonly code: string;
  readonly message: string;
}

/** One way the replay differs from the trace. */
export type ReplayDifference =
  | HostDifference
  | WasiDifference
  | { readonly kind: "output"; readonly expected: TracePayload | null; readonly got: TracePayload | null }
  | { readonly kind: "error"; readonly expected: ReplayError | null; readonly got: ReplayError | null }
  | { readonly kind: "fuel"; readonly expected: number; readonly got: number };

/** What `engine.replay` found. */
export interface ReplayResult {
  /** True when nothing differs: the same host requests in the same order, the same output or error code, the same fuel. */
  readonly same: boolean;
  /** The first differing host request, then a different output, error or fuel count, in that order. */
  readonly differences: readonly ReplayDifference[];
  /** The replay's output; undefined when it failed. */
  readonly output: CallResult | undefined;
  /** The replay's error; undefined when it returned. */
  readonly error: ReplayError | undefined;
  /** Fuel the replay used (undefined: not metered, or it failed). */
  readonly fuel: number | undefined;
  /** What may make the replay unlike the recording without being a difference (another build, another config, a truncated trace). */
  readonly notes: readonly string[];
}

/** The plugin a replay runs on, as the engine knows it. */
export interface ReplayTarget {
  readonly name: string;
  readonly version: string;
  readonly sha256: string | null;
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * What Extism's kernel `config_get` reads for this plugin: `serve` lays a config over it for the
   * replayed call, `restore` puts the plugin's own back (before its next call runs).
   */
  readonly kernelConfig?: { serve(config: Readonly<Record<string, unknown>>): void; restore(): void };
}

const stable = (value: unknown): string => JSON.stringify(value);

function notesFor(trace: CallTrace, target: ReplayTarget): string[] {
  const notes: string[] = [];
  const recorded = `${trace.plugin.name}@${trace.plugin.version} (${trace.plugin.sha256 ?? "precompiled"})`;
  const running = `${target.name}@${target.version} (${target.sha256 ?? "precompiled"})`;
  if (recorded !== running) notes.push(`replayed on ${running}; recorded on ${recorded}`);
  if (stable(trace.config) !== stable(target.config)) notes.push(`${target.name}'s config differs from the trace's; the trace's was served (ts_config_get replies and Extism's config_get)`);
  if (trace.truncated === true) notes.push("the trace was truncated at its size cap: host calls past it are missing, so the replay differs there");
  return notes;
}

/**
 * Runs a trace's export again through `run` with a {@link TraceReplayer} as its tap (every host
 * reply from the trace, nothing live), then compares: the first differing host request, the
 * output, the error (by code), the fuel.
 */
export async function replayCall(trace: CallTrace, target: ReplayTarget, run: (tap: CallTap, input: Uint8Array) => Promise<CallResult>): Promise<ReplayResult> {
  const replayer = new TraceReplayer(trace, target.kernelConfig);
  let output: CallResult | undefined;
  let error: ReplayError | undefined;
  try {
    output = await run(replayer, payloadBytes(trace.input));
  } catch (cause) {
    error = errorOf(cause);
  }
  const differences: ReplayDifference[] = [];
  const host = replayer.difference();
  if (host !== undefined) differences.push(host);
  const wasi = replayer.vars?.wasi?.difference();
  if (wasi !== undefined) differences.push(wasi);
  const expectedError = "error" in trace.result ? trace.result.error : null;
  if (expectedError === null && output !== undefined) {
    const expected = "output" in trace.result ? trace.result.output : null;
    const got = encodePayload(output.bytes);
    if (!samePayload(expected ?? { text: "" }, got)) differences.push({ kind: "output", expected, got });
  } else if (expectedError?.code !== error?.code) {
    differences.push({ kind: "error", expected: expectedError, got: error ?? null });
    if (expectedError !== null && output !== undefined) differences.push({ kind: "output", expected: null, got: encodePayload(output.bytes) });
  }
  const fuel = output?.fuel;
  if (trace.fuel !== null && fuel !== undefined && fuel !== trace.fuel) differences.push({ kind: "fuel", expected: trace.fuel, got: fuel });
  return { same: differences.length === 0, differences, output, error, fuel, notes: notesFor(trace, target) };
}
