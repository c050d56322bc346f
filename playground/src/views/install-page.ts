/**
 * Install: the example plugins (one click each, with their sample data), a plugin from the
 * user's disk (a folder, or plugin.json and its .wasm) and a packed `.tsp` (its hash and
 * signature checked by the engine). Examples and folders run with the isolation and timeoutMs
 * picked above them, if any. Plugins from disk get no permission until the user grants it.
 * Plugins that failed to come back from storage are listed with their error and can be removed.
 */
import { type PluginInfo } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { App } from "../app.ts";
import { installExample, loadSeed, type ExampleEntry } from "../catalog.ts";
import { h, replace } from "../dom.ts";
import { errorBox } from "../error-view.ts";
import { partsWithLimits, readOverride, type LimitsOverride } from "../install-limits.ts";
import { readLocalBundle } from "../local-bundle.ts";
import { routeHash } from "../route.ts";
import { section } from "../widgets/section.ts";
import type { Page } from "./page.ts";
import { signatureText } from "./plugin/facts.ts";

const list = (items: readonly string[]): string => (items.length === 0 ? "no permission" : items.join(", "));
const runsAs = (info: PluginInfo): string => `runs ${info.limits.isolation}, timeoutMs ${info.limits.timeoutMs}`;

function installedFromDisk(info: PluginInfo): string {
  const asked = info.permissions.length;
  return `${info.name}@${info.version} installed; ${runsAs(info)}${asked === 0 ? "" : `; it asks for ${info.permissions.join(", ")}: grant them in its Permissions tab`}.`;
}

export function installPage(app: App): Page {
  const isolation = h(
    "select",
    { id: "install-isolation" },
    h("option", { value: "" }, "as its plugin.json says"),
    h("option", { value: "inline" }, "inline: on the engine's thread (the worker)"),
    h("option", { value: "pool" }, "pool: its own instance in a worker shared with other plugins"),
    h("option", { value: "worker" }, "worker: its own, terminated when it runs past timeoutMs"),
  );
  const timeout = h("input", { type: "number", id: "install-timeout", min: 1, step: 1, placeholder: "plugin.json's" });
  const picked = (): LimitsOverride => readOverride(isolation.value, timeout.value);
  const examples = h("ul", { id: "examples" });
  const restoreErrors = h("div", { id: "restore-errors" });
  const folder = h("input", { type: "file", id: "local-folder", webkitdirectory: true });
  const files = h("input", { type: "file", id: "local-files", multiple: true, accept: ".json,.wasm,application/json,application/wasm" });
  const tsp = h("input", { type: "file", id: "tsp-file", accept: ".tsp" });

  const installed = async (info: PluginInfo, message: string): Promise<string> => {
    app.go({ page: "plugin", plugin: info.name, tab: "overview" });
    return message;
  };
  const exampleRow = (entry: ExampleEntry): HTMLElement => {
    const here = app.info(entry.name) !== undefined;
    const install = (): void => {
      void app.run(`Installing example ${entry.name}`, async () => {
        const info = await installExample(app.engine, entry, picked());
        return installed(info, `${info.name}@${info.version} installed with ${list(info.granted)} granted; ${runsAs(info)}.`);
      });
    };
    const seed = (): void => void app.run(`Loading the sample data of ${entry.name}`, async () => `Loaded ${await loadSeed(app.engine, entry)}.`);
    return h(
      "li",
      { "data-example": entry.name },
      h("strong", {}, entry.name),
      " ",
      h("span", { class: "version" }, entry.version),
      " — ",
      entry.description,
      " ",
      here ? h("a", { class: "badge", href: routeHash({ page: "plugin", plugin: entry.name, tab: "overview" }) }, "installed") : h("button", { type: "button", onclick: install, disabled: !entry.built, "aria-label": `Install ${entry.name}` }, entry.built ? "Install" : "Not built"),
      entry.seed && " ",
      entry.seed && h("button", { type: "button", onclick: seed, "aria-label": `Load sample data of ${entry.name}` }, "Load sample data"),
    );
  };
  const localForm = h(
    "form",
    { id: "local-form", "aria-label": "Install from your disk" },
    h("p", {}, h("label", { for: "local-folder" }, "A plugin folder (with plugin.json and its .wasm)"), " ", folder),
    h("p", {}, h("label", { for: "local-files" }, "Or plugin.json and the .wasm"), " ", files),
    h("p", {}, h("button", { type: "submit" }, "Install from files"), " Plugins from your disk get no permission until you grant it."),
  );
  localForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = [...(folder.files ?? []), ...(files.files ?? [])];
    void app.run("Installing from your files", async () => {
      const override = picked();
      const info = await app.engine.install(partsWithLimits(await readLocalBundle(chosen), override), { grant: false });
      localForm.reset();
      return installed(info, installedFromDisk(info));
    });
  });
  const tspForm = h(
    "form",
    { id: "tsp-form", "aria-label": "Install a .tsp" },
    h("p", {}, h("label", { for: "tsp-file" }, "A .tsp file, signed or unsigned (threadspace pack)"), " ", tsp),
    h("p", {}, h("button", { type: "submit" }, "Install .tsp"), " The engine checks its hash and signature; a valid signature shows as ", h("em", {}, "trusted"), " when its key is in ", h("a", { href: "#/trust" }, "Trust"), ". No permission until you grant it."),
  );
  tspForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = tsp.files?.[0];
    void app.run(`Installing ${file?.name ?? "a .tsp"}`, async () => {
      if (file === undefined) throw new ThreadspaceError("source_invalid", "[playground] no .tsp file was picked: pick one made by `threadspace pack`.");
      const info = await app.engine.install(file, { grant: false });
      tspForm.reset();
      return installed(info, `${installedFromDisk(info)} Signature: ${signatureText(info.signature)}.`);
    });
  });

  const update = (): void => {
    replace(examples, app.catalog.length === 0 ? h("li", {}, "The server lists no example.") : "", ...app.catalog.map(exampleRow));
    const failed = [...app.snapshot.restoreErrors];
    replace(
      restoreErrors,
      ...failed.map(([name, error]) =>
        h(
          "div",
          { "data-restore-error": name },
          errorBox(error, `Restoring ${name} from the browser's storage`),
          h("button", { type: "button", class: "danger", onclick: () => void app.run(`Removing ${name}`, async () => (await app.engine.uninstall(name), `${name}'s stored bundle removed.`)) }, `Remove ${name}'s stored bundle`),
        ),
      ),
    );
  };
  update();
  const element = h(
    "section",
    { class: "install-page", "aria-labelledby": "install-title" },
    h("h2", { id: "install-title" }, "Install"),
    restoreErrors,
    h(
      "fieldset",
      {},
      h("legend", {}, "How the next example or plugin folder runs"),
      h("p", {}, h("label", { for: "install-isolation" }, "Isolation"), " ", isolation, " ", h("label", { for: "install-timeout" }, "timeoutMs"), " ", timeout),
      h("p", { class: "hint" }, "Every plugin runs in the engine's worker, so the page never waits on one; a metered plugin that loops is stopped at its timeoutMs or fuel budget. A .tsp runs as its signed plugin.json says."),
    ),
    section("install-examples", "Example plugins", examples),
    section("install-disk", "From your disk", localForm),
    section("install-tsp", "A packed bundle (.tsp)", tspForm),
  );
  return { element, update };
}
