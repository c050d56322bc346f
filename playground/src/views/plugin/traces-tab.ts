/**
 * A plugin's Traces: recorded calls, shown step by step and replayed. It lights up when the
 * engine in the worker offers record/replay (`engine.traces`); until then it says what is missing.
 */
import type { App } from "../../app.ts";
import { h } from "../../dom.ts";
import { emptyState } from "../../widgets/empty-state.ts";
import type { Page } from "../page.ts";

/** True when the connected engine can record and replay calls. */
export function hasTraces(app: App): boolean {
  return typeof (app.engine as { traces?: unknown }).traces === "function";
}

export function tracesTab(app: App, name: string): Page {
  const element = h(
    "div",
    { class: "traces" },
    hasTraces(app)
      ? emptyState(`No trace of ${name} yet.`, "Record a call from the Call tab.")
      : emptyState("This engine build cannot record calls yet.", "Recording and replay (engine.call(…, { record: true }), engine.replay) arrive with issue 13; the tab lists traces once the engine offers them."),
  );
  return { element };
}
