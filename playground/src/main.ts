/**
 * The playground page: opens the engine (state restored from IndexedDB), preinstalls the
 * example plugins on the first visit, and wires the views.
 */
import type { Engine } from "@threadspace/core";
import { createApp, showStatus } from "./app.ts";
import { installExample, loadCatalog, loadSeed, type ExampleEntry } from "./catalog.ts";
import { byId, h } from "./dom.ts";
import { errorBox } from "./error-view.ts";
import { firstVisit, markVisited, openEngine, resetPlayground } from "./session.ts";
import { activityPanel } from "./views/activity-panel.ts";
import { callPanel } from "./views/call-panel.ts";
import { dataPanel, kvForm } from "./views/data-panel.ts";
import { installPanel } from "./views/install-panel.ts";
import { pluginListView } from "./views/plugin-list.ts";

const status = byId("status", HTMLElement);

/** Installs every built example and loads its sample data; failures are reported, the rest go on. */
async function preinstall(engine: Engine, catalog: readonly ExampleEntry[]): Promise<HTMLElement[]> {
  const problems: HTMLElement[] = [];
  for (const entry of catalog) {
    try {
      if (engine.get(entry.name) === undefined) await installExample(engine, entry);
      if (entry.seed) await loadSeed(engine, entry);
    } catch (error) {
      problems.push(errorBox(error, `Preinstalling example ${entry.name}`));
    }
  }
  return problems;
}

async function start(): Promise<void> {
  let engine: Engine | undefined;
  byId("reset", HTMLButtonElement).addEventListener("click", () => {
    if (confirm("Delete every installed plugin and all stored data of the playground?")) void resetPlayground(engine);
  });
  try {
    showStatus(status, h("p", { class: "busy" }, "Starting the engine…"));
    engine = await openEngine();
    const catalog = await loadCatalog();
    let problems: HTMLElement[] = [];
    if (firstVisit()) {
      showStatus(status, h("p", { class: "busy" }, "Installing the example plugins…"));
      problems = await preinstall(engine, catalog);
      markVisited();
    }
    const app = createApp(engine, catalog, status);
    pluginListView(app, byId("plugins", HTMLElement));
    installPanel(app, byId("examples", HTMLElement), byId("local-form", HTMLFormElement));
    callPanel(app);
    activityPanel(app, byId("activity-title", HTMLElement), byId("logs", HTMLElement), byId("events", HTMLElement));
    dataPanel(app, byId("data-memories", HTMLElement), byId("data-threads", HTMLElement), byId("data-kv", HTMLElement));
    kvForm(app, byId("kv-form", HTMLFormElement), byId("kv-plugin", HTMLSelectElement), byId("kv-key", HTMLInputElement), byId("kv-value", HTMLInputElement));
    showStatus(status, h("p", { class: "ok" }, `Ready: ${engine.list().length} plugins installed.`), ...problems);
    document.body.dataset["ready"] = "true";
  } catch (error) {
    showStatus(status, errorBox(error, "Starting the playground"));
    document.body.dataset["ready"] = "failed";
  }
}

void start();
