/**
 * Calling an export: pick the plugin and export, type the input (text, or JSON checked before
 * sending), see the output or the typed error. The form is built in index.html; this keeps its
 * lists in step with the engine and runs the call.
 */
import type { App } from "../app.ts";
import { formatOutput, parseInput, type InputMode } from "../call-io.ts";
import { byId, h, replace } from "../dom.ts";
import { errorBox } from "../error-view.ts";
import { LIFECYCLE_EXPORTS, sampleInput } from "../sample-inputs.ts";

function setOptions(select: HTMLSelectElement, values: readonly string[], selected: string | undefined): void {
  replace(select, ...values.map((value) => h("option", { value, selected: value === selected }, value)));
}

/** Wires the call form (`#call-form`) and renders its lists on every refresh. */
export function callPanel(app: App): void {
  const form = byId("call-form", HTMLFormElement);
  const pluginSelect = byId("call-plugin", HTMLSelectElement);
  const exportSelect = byId("call-export", HTMLSelectElement);
  const input = byId("call-input", HTMLTextAreaElement);
  const output = byId("call-output", HTMLElement);
  const button = byId("call-button", HTMLButtonElement);
  let shown = "";

  const mode = (): InputMode => (form.elements.namedItem("mode") as RadioNodeList).value === "json" ? "json" : "text";
  const setMode = (value: InputMode): void => {
    (form.elements.namedItem("mode") as RadioNodeList).value = value;
  };
  const prefill = (): void => {
    const sample = app.selected === undefined ? undefined : sampleInput(app.selected, exportSelect.value);
    if (sample === undefined) return;
    input.value = sample.text;
    setMode(sample.mode);
  };

  app.view(() => {
    const plugins = app.engine.list();
    const info = app.selected === undefined ? undefined : app.engine.get(app.selected);
    setOptions(pluginSelect, plugins.map((p) => p.name), app.selected);
    button.disabled = info === undefined;
    const key = info === undefined ? "" : `${info.name}@${info.sha256 ?? ""}`;
    if (key === shown) return;
    shown = key;
    const names = info === undefined ? [] : info.exports.map((e) => e.name);
    const exports = [...names.filter((e) => !LIFECYCLE_EXPORTS.has(e)), ...names.filter((e) => LIFECYCLE_EXPORTS.has(e))];
    setOptions(exportSelect, exports, exports[0]);
    replace(output);
    prefill();
  });

  pluginSelect.addEventListener("change", () => {
    app.selected = pluginSelect.value;
    app.refresh();
  });
  exportSelect.addEventListener("change", prefill);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = pluginSelect.value;
    const exportName = exportSelect.value;
    const where = `calling ${name}.${exportName}`;
    replace(output, h("p", { class: "busy" }, `${where}…`));
    button.disabled = true;
    void (async () => {
      try {
        const result = await app.engine.call(name, exportName, parseInput(input.value, mode()));
        replace(output, h("p", { class: "ok" }, `${name}.${exportName} returned ${result.bytes.byteLength} bytes:`), h("pre", { class: "result" }, formatOutput(result)));
      } catch (error) {
        replace(output, errorBox(error, `while ${where}`));
      } finally {
        button.disabled = false;
        app.refresh(); // the call may have written data, timed out or restarted its worker: cards and the data panel follow
      }
    })();
  });
}
