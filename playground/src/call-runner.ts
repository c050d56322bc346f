/**
 * One call from the playground: sent to the engine in its worker, timed on the page, kept in the
 * plugin's call history (IndexedDB), and followed by a refresh (the call may have written data,
 * timed out or moved the plugin's health).
 */
import type { CallResult } from "@threadspace/core";
import type { App } from "./app.ts";
import { parseInput, type InputMode } from "./call-io.ts";
import { callHistory, failed, succeeded, type CallRecord } from "./store/call-record.ts";
import { isTraceView, traceStore } from "./store/trace-record.ts";

export type CallOutcome = ({ readonly ok: true; readonly result: CallResult } | { readonly ok: false; readonly error: unknown }) & { readonly record: CallRecord; readonly traced: boolean };

/**
 * Calls `plugin.exportName` with `input` read in `mode`; never throws (a failure is an outcome,
 * kept in history too). With `record`, the call is recorded (`{ record: true }`) and its trace kept
 * for the Traces tab (a failed call's trace is in the engine's own list, which the tab reads).
 */
export async function callAndRecord(app: App, plugin: string, exportName: string, input: string, mode: InputMode, options: { readonly record?: boolean } = {}): Promise<CallOutcome> {
  const at = Date.now();
  const started = performance.now();
  const base = { plugin, export: exportName, input, mode, at };
  let outcome: CallOutcome;
  let traced = false;
  try {
    const result = await app.engine.call(plugin, exportName, parseInput(input, mode), options.record === true ? { record: true } : {});
    const durationMs = performance.now() - started;
    const trace: unknown = result.trace;
    if (isTraceView(trace)) {
      await traceStore.add({ plugin, at, from: "recorded", trace }).catch(() => undefined);
      traced = true;
    }
    outcome = { ok: true, result, record: succeeded({ ...base, durationMs }, result.bytes, result.fuel), traced };
  } catch (error) {
    outcome = { ok: false, error, record: failed({ ...base, durationMs: performance.now() - started }, error), traced };
  }
  await callHistory.add(outcome.record).catch(() => undefined); // a full or blocked database loses history, not the call
  await app.refresh().catch(() => undefined);
  return outcome;
}
