/**
 * Installing: the example plugins (one click each, with their sample data), a plugin from the
 * user's disk (a folder, or plugin.json and its .wasm) and a packed `.tsp` (its signature checked
 * by the engine). Examples and folders run with the isolation and timeoutMs picked above them, if any.
 * Plugins from disk get no permission until the user grants them in their card.
 */
import { ThreadspaceError, type PluginInfo } from "@threadspace/core";
import type { App } from "../app.ts";
import { installExample, loadSeed, type ExampleEntry } from "../catalog.ts";
import { byId, h, replace } from "../dom.ts";
import { partsWithLimits, readOverride, type LimitsOverride } from "../install-limits.ts";
import { readLocalBundle } from "../local-bundle.ts";
import { signatureText } from "./plugin-card.ts";

const list = (items: readonly string[]): string => (items.length === 0 ? "no permission" : items.join(", "));

/** The isolation and timeoutMs picked for the next install (bad_input for a bad timeoutMs). */
function pickedOverride(): LimitsOverride {
  return readOverride(byId("install-isolation", HTMLSelectElement).value, byId("install-timeout", HTMLInputElement).value);
}

/** What the status line says about where the new plugin runs. */
const runsAs = (info: PluginInfo): string => `runs ${info.limits.isolation}, timeoutMs ${info.limits.timeoutMs}`;

function exampleRow(app: App, entry: ExampleEntry): HTMLElement {
  const installed = app.engine.get(entry.name) !== undefined;
  const install = (): void => {
    void app.run(`Installing example ${entry.name}`, async () => {
      const info = await installExample(app.engine, entry, pickedOverride());
      app.selected = info.name;
      return `${info.name}@${info.version} installed with ${list(info.granted)} granted; ${runsAs(info)}.`;
    });
  };
  const seed = (): void => {
    void app.run(`Loading the sample data of ${entry.name}`, () => loadSeed(app.engine, entry).then((what) => `Loaded ${what}.`));
  };
  return h(
    "li",
    { "data-example": entry.name },
    h("strong", {}, entry.name),
    " ",
    h("span", { class: "version" }, entry.version),
    " — ",
    entry.description,
    " ",
    installed
      ? h("span", { class: "badge" }, "installed")
      : h("button", { type: "button", onclick: install, disabled: !entry.built, "aria-label": `Install ${entry.name}` }, entry.built ? "Install" : "Not built"),
    entry.seed && " ",
    entry.seed && h("button", { type: "button", onclick: seed, "aria-label": `Load sample data of ${entry.name}` }, "Load sample data"),
  );
}

/** The status line's message for a plugin from disk. */
function installedFromDisk(info: PluginInfo): string {
  const asked = info.permissions.length;
  return `${info.name}@${info.version} installed; ${runsAs(info)}${asked === 0 ? "" : `; it asks for ${info.permissions.join(", ")}: grant them in its card`}.`;
}

/** Wires the .tsp form: the engine unpacks the file strictly and checks its hash and signature. */
function tspForm(app: App): void {
  const form = byId("tsp-form", HTMLFormElement);
  const file = byId("tsp-file", HTMLInputElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = file.files?.[0];
    void app.run(`Installing ${picked?.name ?? "a .tsp"}`, async () => {
      if (picked === undefined) throw new ThreadspaceError("source_invalid", "[playground] no .tsp file was picked: pick one made by `threadspace pack`.");
      const info = await app.engine.install(picked, { grant: false });
      app.selected = info.name;
      form.reset();
      return `${installedFromDisk(info)} Signature: ${signatureText(info.signature)}.`;
    });
  });
}

/** Renders the example list on every refresh and wires the "from disk" forms once. */
export function installPanel(app: App, examples: HTMLElement, form: HTMLFormElement): void {
  app.view(() => replace(examples, app.catalog.length === 0 ? h("li", {}, "The server lists no example.") : "", ...app.catalog.map((entry) => exampleRow(app, entry))));
  const folder = byId("local-folder", HTMLInputElement);
  const files = byId("local-files", HTMLInputElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = [...(folder.files ?? []), ...(files.files ?? [])];
    void app.run("Installing from your files", async () => {
      const override = pickedOverride();
      const info = await app.engine.install(partsWithLimits(await readLocalBundle(picked), override), { grant: false });
      app.selected = info.name;
      form.reset();
      return installedFromDisk(info);
    });
  });
  tspForm(app);
}
