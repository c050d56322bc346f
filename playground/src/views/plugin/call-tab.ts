/**
 * A plugin's Call console: pick an export, type the input (text, or JSON checked before it is
 * sent, or a form built from the export's input schema when the engine offers one), see the
 * outcome (output as text, JSON tree or hex, duration and fuel, or the typed error), and the
 * plugin's call history (IndexedDB, across reloads), from which any call can be loaded or run again.
 */
import type { App } from "../../app.ts";
import type { InputMode } from "../../call-io.ts";
import { callAndRecord } from "../../call-runner.ts";
import { h, replace } from "../../dom.ts";
import { errorBox } from "../../error-view.ts";
import { exportNames, exportSchema } from "../../export-schemas.ts";
import { LIFECYCLE_EXPORTS, sampleInput } from "../../sample-inputs.ts";
import { callHistory, type CallRecord } from "../../store/call-record.ts";
import { schemaForm, type SchemaForm } from "../../widgets/schema-form.ts";
import { planForm } from "../../widgets/schema-plan.ts";
import { section } from "../../widgets/section.ts";
import type { Page } from "../page.ts";
import { showOutcome } from "./output-view.ts";

const time = (at: number): string => new Date(at).toLocaleTimeString();
const cut = (text: string, max = 60): string => (text.length <= max ? text : `${text.slice(0, max)}…`);

/** Exports to offer, the plugin's own first and the lifecycle ones last. */
export function orderedExports(exports: readonly string[]): string[] {
  return [...exports.filter((e) => !LIFECYCLE_EXPORTS.has(e)), ...exports.filter((e) => LIFECYCLE_EXPORTS.has(e))];
}

export function callTab(app: App, name: string): Page {
  const exportSelect = h("select", { id: "call-export", name: "export" });
  const input = h("textarea", { id: "call-input", name: "input", rows: 5, spellcheck: "false" });
  const modes = (["form", "text", "json"] as const).map((mode) =>
    h("label", { "data-mode": mode }, h("input", { type: "radio", name: "mode", value: mode, checked: mode === "text" }), mode === "text" ? " Text" : mode === "json" ? " JSON" : " Form (from its schema)"),
  );
  const described = h("p", { class: "hint export-description" });
  const formSlot = h("div", { class: "form-slot" });
  const textSlot = h("p", {}, h("label", { for: "call-input" }, "Input"), input);
  let built: SchemaForm | undefined;
  const button = h("button", { type: "submit", id: "call-button" }, "Call");
  const recordBox = h("input", { type: "checkbox", id: "call-record" });
  const output = h("div", { id: "call-output", "aria-live": "polite" });
  const historyList = h("ol", { id: "call-history", class: "history", reversed: true });
  const form = h(
    "form",
    { id: "call-form", "aria-label": `Call an export of ${name}` },
    h("p", {}, h("label", { for: "call-export" }, "Export"), " ", exportSelect),
    described,
    h("fieldset", { class: "modes" }, h("legend", {}, "Send the input as"), ...modes),
    formSlot,
    textSlot,
    h("p", {}, button, " ", recordBox, h("label", { for: "call-record" }, " Record (a trace to replay in Traces)")),
  );

  const picked = (): string => (form.elements.namedItem("mode") as RadioNodeList).value;
  const mode = (): InputMode => (picked() === "json" ? "json" : "text");
  /** Shows the form or the text box, as the mode says. */
  const showMode = (): void => {
    const useForm = picked() === "form" && built !== undefined;
    formSlot.hidden = !useForm;
    textSlot.hidden = useForm;
  };
  const setMode = (value: InputMode | "form"): void => {
    (form.elements.namedItem("mode") as RadioNodeList).value = value;
    showMode();
  };
  /** Builds the export's form from its input schema (when the engine reports one), and fills in a sample. */
  const prefill = (): void => {
    const info = app.info(name);
    const schema = info === undefined ? undefined : exportSchema(info, exportSelect.value);
    const plan = planForm(schema?.input);
    built = plan === undefined ? undefined : schemaForm(plan, "call-field", exportSelect.value);
    replace(formSlot, built?.element);
    replace(described, schema?.description ?? "");
    const formChoice = modes[0];
    if (formChoice !== undefined) formChoice.hidden = built === undefined;
    const sample = sampleInput(name, exportSelect.value);
    if (sample !== undefined) input.value = sample.text;
    setMode(built !== undefined ? "form" : (sample?.mode ?? "text"));
  };
  for (const choice of modes) choice.addEventListener("change", showMode);

  const drawHistory = async (): Promise<void> => {
    const records = await callHistory.list(name).catch(() => [] as CallRecord[]);
    replace(
      historyList,
      ...(records.length === 0
        ? [h("li", { class: "empty" }, "No call yet. Calls you make here (and from Start here) are kept in this browser, 100 per plugin.")]
        : records.reverse().map((record) => historyItem(record))),
    );
  };

  const send = async (exportName: string, text: string, inputMode: InputMode): Promise<void> => {
    const where = `calling ${name}.${exportName}`;
    replace(output, h("p", { class: "busy" }, `${where}… (the page stays usable: the engine runs in a worker)`));
    button.disabled = true;
    try {
      showOutcome(output, await callAndRecord(app, name, exportName, text, inputMode, { record: recordBox.checked }), where);
    } finally {
      button.disabled = false;
      await drawHistory();
    }
  };

  const historyItem = (record: CallRecord): HTMLElement => {
    const load = (): void => {
      exportSelect.value = record.export;
      input.value = record.input;
      setMode(record.mode);
      input.focus();
    };
    const again = (): void => void send(record.export, record.input, record.mode);
    return h(
      "li",
      { class: record.ok ? "ok-call" : "failed-call", "data-history": String(record.id ?? "") },
      h("time", {}, time(record.at)),
      " ",
      h("code", {}, record.export),
      "(",
      h("code", { class: "payload" }, cut(record.input)),
      ") ",
      record.ok ? h("span", { class: "badge ok" }, `${record.outputBytes ?? 0} B`) : h("span", { class: "badge failed", "data-code": record.error?.code ?? "" }, record.error?.code ?? "error"),
      ` ${record.durationMs.toFixed(1)} ms`,
      record.fuel !== undefined && `, fuel ${record.fuel.toLocaleString("en")}`,
      " ",
      h("button", { type: "button", onclick: load, "aria-label": `Load call ${record.id ?? ""} into the form` }, "Load"),
      " ",
      h("button", { type: "button", onclick: again, "aria-label": `Run call ${record.id ?? ""} again` }, "Run again"),
    );
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (picked() === "form" && built !== undefined) {
      let read: ReturnType<SchemaForm["read"]>;
      try {
        read = built.read();
      } catch (error) {
        replace(output, errorBox(error, `checking the form of ${name}.${exportSelect.value}`));
        return;
      }
      void send(exportSelect.value, read.text, read.mode);
      return;
    }
    void send(exportSelect.value, input.value, mode());
  });
  exportSelect.addEventListener("change", prefill);
  const clear = (): void => {
    void callHistory.clear(name).then(drawHistory);
  };

  let shownKey = "";
  const update = (): void => {
    const info = app.info(name);
    button.disabled = info === undefined || info.state !== "ready";
    const key = info === undefined ? "" : `${info.name}@${info.sha256 ?? ""}`;
    if (key === shownKey) return;
    shownKey = key;
    const exports = orderedExports(info === undefined ? [] : exportNames(info));
    replace(exportSelect, ...exports.map((value) => h("option", { value }, value)));
    prefill();
  };
  update();
  void drawHistory();
  const element = h(
    "div",
    { class: "call" },
    section("call-console", "Call an export", form, output),
    section("call-history", "History", h("p", {}, h("button", { type: "button", onclick: clear, "aria-label": `Clear the call history of ${name}` }, "Clear history")), historyList),
  );
  return { element, update };
}
