/**
 * The selected plugin's page: its name, version, state and actions (load or unload, uninstall
 * after a confirmation), and its tabs (Overview, Call, Config, Permissions, Logs, Health,
 * Traces), each one a route so a reload keeps it.
 */
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { errorBox } from "../../error-view.ts";
import { PLUGIN_TABS, routeHash, type PluginTab } from "../../route.ts";
import { confirmDialog } from "../../widgets/confirm.ts";
import { emptyState } from "../../widgets/empty-state.ts";
import { tabList } from "../../widgets/tabs.ts";
import type { Page } from "../page.ts";
import { callTab } from "./call-tab.ts";
import { configTab } from "./config-tab.ts";
import { healthTab } from "./health-tab.ts";
import { logsTab } from "./logs-tab.ts";
import { overviewTab } from "./overview-tab.ts";
import { permissionsTab } from "./permissions-tab.ts";
import { tracesTab } from "./traces-tab.ts";

const TAB_LABELS: Record<PluginTab, string> = { overview: "Overview", call: "Call", config: "Config", permissions: "Permissions", logs: "Logs", health: "Health", traces: "Traces" };
const TABS: Record<PluginTab, (app: App, name: string) => Page> = { overview: overviewTab, call: callTab, config: configTab, permissions: permissionsTab, logs: logsTab, health: healthTab, traces: tracesTab };

export function pluginPage(app: App, name: string, tab: PluginTab): Page {
  const header = h("div", { class: "plugin-header" });
  const panel = h("div", { role: "tabpanel", id: "tab-panel", "aria-labelledby": `tab-${tab}`, class: "tab-panel" });
  const element = h("section", { class: "plugin-page", "data-plugin": name, "aria-labelledby": "plugin-title" }, header);
  let body: Page | undefined;

  const uninstall = async (): Promise<void> => {
    const sure = await confirmDialog(`Uninstall ${name}?`, `${name} stops and is forgotten: its bundle, config and call history here. Its grants and stored data (kv, memories, threads) are kept for a reinstall of the same wasm.`, `Uninstall ${name}`);
    if (!sure) return;
    const done = await app.run(`Uninstalling ${name}`, async () => {
      await app.engine.uninstall(name);
      return `${name} uninstalled (its grants and data are kept for a reinstall of the same wasm).`;
    });
    if (done) app.go({ page: "start" });
  };
  const toggleLoad = (loaded: boolean): void => {
    void app.run(`${loaded ? "Unloading" : "Loading"} ${name}`, async () => {
      if (loaded) await app.engine.unload(name);
      else await app.engine.load(name);
      return `${name} ${loaded ? "unloaded (installed, not running; Load starts it again)" : "loaded"}.`;
    });
  };

  const update = (): void => {
    const info = app.info(name);
    if (info === undefined) {
      const failed = app.snapshot.restoreErrors.get(name);
      body?.dispose?.();
      body = undefined;
      replace(
        element,
        failed === undefined
          ? emptyState(`No plugin named ${name} is installed.`, "Pick one in the sidebar, or install it:", { label: "Install", href: "#/install" })
          : h("div", {}, h("h2", { id: "plugin-title" }, name), errorBox(failed, `Restoring ${name} from the browser's storage`), h("p", {}, "Uninstall it from the Install page, or reset the playground.")),
      );
      return;
    }
    const loaded = info.state === "ready";
    if (!element.contains(header)) replace(element, header);
    replace(
      header,
      h("h2", { id: "plugin-title" }, info.name, " ", h("span", { class: "version" }, info.version), " ", h("span", { class: `state ${info.state}` }, info.state)),
      h("p", { class: "description" }, info.description),
      h(
        "p",
        { class: "actions" },
        h("button", { type: "button", onclick: () => toggleLoad(loaded), "aria-label": `${loaded ? "Unload" : "Load"} ${name}` }, loaded ? "Unload" : "Load"),
        " ",
        h("button", { type: "button", class: "danger", onclick: () => void uninstall(), "aria-label": `Uninstall ${name}` }, "Uninstall…"),
      ),
    );
    if (body === undefined) {
      body = TABS[tab](app, name);
      panel.append(body.element);
      element.append(tabList(`${name}'s tabs`, PLUGIN_TABS.map((id) => ({ id, label: TAB_LABELS[id], href: routeHash({ page: "plugin", plugin: name, tab: id }) })), tab, "tab-panel"), panel);
    } else {
      body.update?.();
    }
  };
  update();
  return { element, update, dispose: () => body?.dispose?.() };
}
