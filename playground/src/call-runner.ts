/**
 * One call from the playground: sent to the engine in its worker, timed on the page, kept in the
 * plugin's call history (IndexedDB), and followed by a refresh (the call may have written data,
 * timed out or moved the plugin's health).
 */
import type { CallResult } from "@threadspace/core";
import type { App } from "./app.ts";
import { parseInput, type InputMode } from "./call-io.ts";
import { callHistory, failed, succeeded, type CallRecord } from "./store/call-record.ts";

export type CallOutcome = { readonly ok: true; readonly result: CallResult; readonly record: CallRecord } | { readonly ok: false; readonly error: unknown; readonly record: CallRecord };

/** Calls `plugin.exportName` with `input` read in `mode`; never throws (a failure is an outcome, kept in history too). */
export async function callAndRecord(app: App, plugin: string, exportName: string, input: string, mode: InputMode): Promise<CallOutcome> {
  const at = Date.now();
  const started = performance.now();
  const base = { plugin, export: exportName, input, mode, at };
  let outcome: CallOutcome;
  try {
    const result = await app.engine.call(plugin, exportName, parseInput(input, mode));
    const durationMs = performance.now() - started;
    outcome = { ok: true, result, record: succeeded({ ...base, durationMs }, result.bytes, result.fuel) };
  } catch (error) {
    outcome = { ok: false, error, record: failed({ ...base, durationMs: performance.now() - started }, error) };
  }
  await callHistory.add(outcome.record).catch(() => undefined); // a full or blocked database loses history, not the call
  await app.refresh().catch(() => undefined);
  return outcome;
}
