/**
 * A call's outcome: on success its size, duration and fuel (in the success colour) and the
 * output as text, a JSON tree or hex; on failure the error's code, message and hint (never in the
 * success colour). The view picked is kept for the next call.
 */
import { formatOutput } from "../../call-io.ts";
import type { CallOutcome } from "../../call-runner.ts";
import { h, replace } from "../../dom.ts";
import { errorBox } from "../../error-view.ts";
import { hexLines } from "../../widgets/hex-view.ts";
import { jsonTree } from "../../widgets/json-tree.ts";

export type OutputMode = "text" | "tree" | "hex";
let chosen: OutputMode = "text";

const decoder = new TextDecoder();

/** The output bytes as JSON, or undefined when they are not JSON. */
function asJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return undefined;
  }
}

/** Shows the bytes the way `mode` says. */
function body(bytes: Uint8Array, mode: OutputMode): HTMLElement {
  if (mode === "hex") return h("pre", { class: "result hex" }, hexLines(bytes).join("\n") || "(no output)");
  if (mode === "tree") {
    const json = asJson(bytes);
    return json === undefined ? h("p", { class: "hint" }, "The output is not JSON: see it as Text or Hex.") : h("div", { class: "result tree" }, jsonTree(json.value));
  }
  return h("pre", { class: "result" }, formatOutput(bytes));
}

/** Renders `outcome` into `target`; `where` names the call ("calling hello.greet"). */
export function showOutcome(target: HTMLElement, outcome: CallOutcome, where: string): void {
  const { record } = outcome;
  const timing = `${record.durationMs.toFixed(1)} ms${record.fuel === undefined ? "" : `, fuel ${record.fuel.toLocaleString("en")}`}`;
  if (!outcome.ok) {
    replace(target, errorBox(outcome.error, `while ${where}`), h("p", { class: "timing" }, `failed after ${timing}`));
    return;
  }
  const bytes = outcome.result.bytes;
  const view = h("div", { class: "output-body" });
  const pick = (mode: OutputMode): void => {
    chosen = mode;
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset["mode"] === mode));
    replace(view, body(bytes, mode));
  };
  const buttons = (["text", "tree", "hex"] as const).map((mode) => h("button", { type: "button", "data-mode": mode, "aria-pressed": "false", onclick: () => pick(mode) }, mode === "text" ? "Text" : mode === "tree" ? "JSON tree" : "Hex"));
  replace(
    target,
    h("p", { class: "ok summary" }, `${record.plugin}.${record.export} returned ${bytes.byteLength} bytes in ${timing}`, outcome.traced ? "; recorded" : ""),
    outcome.traced && h("p", { class: "traced" }, h("a", { href: `#/plugin/${encodeURIComponent(record.plugin)}/traces` }, "See its trace and replay it (Traces)")),
    h("div", { class: "output-modes", role: "group", "aria-label": "Show the output as" }, ...buttons),
    view,
  );
  pick(chosen === "tree" && asJson(bytes) === undefined ? "text" : chosen);
}
