/**
 * Installing: the example plugins (one click each, with their sample data), and a plugin from
 * the user's disk (a folder, or plugin.json and its .wasm). Plugins from disk get no permission
 * until the user grants them in their card.
 */
import type { App } from "../app.ts";
import { installExample, loadSeed, type ExampleEntry } from "../catalog.ts";
import { byId, h, replace } from "../dom.ts";
import { readLocalBundle } from "../local-bundle.ts";

const list = (items: readonly string[]): string => (items.length === 0 ? "no permission" : items.join(", "));

function exampleRow(app: App, entry: ExampleEntry): HTMLElement {
  const installed = app.engine.get(entry.name) !== undefined;
  const install = (): void => {
    void app.run(`Installing example ${entry.name}`, async () => {
      const info = await installExample(app.engine, entry);
      app.selected = info.name;
      return `${info.name}@${info.version} installed with ${list(info.granted)} granted.`;
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

/** Renders the example list on every refresh and wires the "from disk" form once. */
export function installPanel(app: App, examples: HTMLElement, form: HTMLFormElement): void {
  app.view(() => replace(examples, app.catalog.length === 0 ? h("li", {}, "The server lists no example.") : "", ...app.catalog.map((entry) => exampleRow(app, entry))));
  const folder = byId("local-folder", HTMLInputElement);
  const files = byId("local-files", HTMLInputElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = [...(folder.files ?? []), ...(files.files ?? [])];
    void app.run("Installing from your files", async () => {
      const info = await app.engine.install(await readLocalBundle(picked), { grant: false });
      app.selected = info.name;
      form.reset();
      const asked = info.permissions.length;
      return `${info.name}@${info.version} installed${asked === 0 ? "" : `; it asks for ${info.permissions.join(", ")}: grant them in its card`}.`;
    });
  });
}
