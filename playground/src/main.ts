/**
 * The playground page: starts the engine in its Web Worker (state restored from IndexedDB),
 * preinstalls the example plugins on the first visit, and mounts the sidebar and the page the
 * URL names (Start here, a plugin's tab, Events, Data, Install, Trust).
 */
import type { RemoteEngine } from "@threadspace/worker";
import { createApp, type App } from "./app.ts";
import { installExample, loadCatalog, loadSeed, type ExampleEntry } from "./catalog.ts";
import { byId, h, replace } from "./dom.ts";
import { errorBox } from "./error-view.ts";
import { takeFlash } from "./flash.ts";
import { firstVisit, markVisited, openEngine, resetPlayground } from "./session.ts";
import type { Route } from "./route.ts";
import { confirmDialog } from "./widgets/confirm.ts";
import { dataPage } from "./views/data-page.ts";
import { eventsPage } from "./views/events-page.ts";
import { installPage } from "./views/install-page.ts";
import type { Page } from "./views/page.ts";
import { pluginPage } from "./views/plugin/plugin-page.ts";
import { watchRebuilds } from "./rebuilds.ts";
import { REBUILT_EVENT } from "../shared/rebuilt-event.ts";
import { sidebar } from "./views/sidebar.ts";
import { startPage } from "./views/start-page.ts";
import { trustPage } from "./views/trust-page.ts";

const statusRegion = byId("status", HTMLElement);
const pageRoot = byId("page", HTMLElement);

/** Installs every built example and loads its sample data; failures are reported, the rest go on. */
async function preinstall(engine: RemoteEngine, catalog: readonly ExampleEntry[]): Promise<HTMLElement[]> {
  const problems: HTMLElement[] = [];
  for (const entry of catalog) {
    try {
      if ((await engine.get(entry.name)) === undefined) await installExample(engine, entry);
      if (entry.seed) await loadSeed(engine, entry);
    } catch (error) {
      problems.push(errorBox(error, `Preinstalling example ${entry.name}`));
    }
  }
  return problems;
}

function pageFor(app: App, route: Route): Page {
  switch (route.page) {
    case "plugin":
      return pluginPage(app, route.plugin, route.tab);
    case "events":
      return eventsPage(app);
    case "data":
      return dataPage(app);
    case "install":
      return installPage(app);
    case "trust":
      return trustPage(app);
    case "start":
      return startPage(app);
  }
}

/** Mounts the page of the current route, and again whenever the hash changes. */
function router(app: App): void {
  let current: Page | undefined;
  let shown = "";
  const mount = (): void => {
    const route = app.route;
    const key = JSON.stringify(route);
    if (key === shown) return;
    shown = key;
    current?.dispose?.();
    if (!app.takeKeepStatus() && current !== undefined) app.status();
    current = pageFor(app, route);
    replace(pageRoot, current.element);
    for (const link of document.querySelectorAll<HTMLAnchorElement>("#global-nav a")) {
      if (link.dataset["route"] === route.page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  };
  window.addEventListener("hashchange", mount);
  app.onRefresh(() => current?.update?.());
  mount();
}

async function start(): Promise<void> {
  let engine: RemoteEngine | undefined;
  byId("reset", HTMLButtonElement).addEventListener("click", () => {
    void confirmDialog("Reset the playground?", "Every installed plugin, all stored data, call history, health samples and trusted keys of the playground are deleted; the examples are installed again.", "Delete everything").then((sure) => {
      if (sure) void resetPlayground(engine);
    });
  });
  const status = (...content: Node[]): void => replace(statusRegion, ...content);
  try {
    status(h("p", { class: "busy" }, "Starting the engine in its worker…"));
    engine = await openEngine();
    const catalog = await loadCatalog();
    let problems: HTMLElement[] = [];
    if (firstVisit()) {
      status(h("p", { class: "busy" }, "Installing the example plugins…"));
      problems = await preinstall(engine, catalog);
      markVisited();
    }
    const app = createApp(engine, catalog, statusRegion);
    await app.refresh();
    sidebar(app, byId("plugin-nav", HTMLElement));
    router(app);
    // Under the dev server: examples rebuilt on disk are reinstalled without a reload.
    if (import.meta.hot) watchRebuilds(app, import.meta.hot, REBUILT_EVENT);
    const flash = takeFlash();
    app.status(h("p", { class: "ok" }, `${flash === undefined ? "" : `${flash} `}Ready: ${app.snapshot.plugins.length} plugins installed.`), ...problems);
    document.body.dataset["ready"] = "true";
  } catch (error) {
    status(errorBox(error, "Starting the playground"));
    document.body.dataset["ready"] = "failed";
  }
}

void start();
