/**
 * One installed plugin: what it is and offers, its health, its permissions (a checkbox each:
 * checked means granted; toggling grants or revokes at once) and its actions.
 */
import type { PluginInfo } from "@threadspace/core";
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { errorCode } from "../error-view.ts";
import { configEditor } from "./config-editor.ts";

type PermissionName = PluginInfo["permissions"][number];

const list = (items: readonly string[]): string => (items.length === 0 ? "none" : items.join(", "));

/** The signature the engine checked at install, and again when it restored the plugin (only a .tsp carries one). */
export function signatureText(signature: PluginInfo["signature"]): string {
  if (signature === undefined) return "none checked (not installed from a .tsp)";
  if (signature.state === "unsigned") return "unsigned .tsp";
  return `${signature.state === "trusted" ? "trusted" : "valid, untrusted"} (${signature.keyId})`;
}

function fact(term: string, value: string | Node): HTMLElement[] {
  return [h("dt", {}, term), h("dd", {}, value)];
}

/** Fills `target` with the plugin's health (`engine.health` asks the plugin's health_check). */
export function showHealth(app: App, name: string, target: HTMLElement): void {
  replace(target, "checking…");
  app.engine.health(name).then(
    (report) => replace(target, h("span", { class: `health ${report.status}` }, report.status), report.message === "" ? "" : ` — ${report.message}`),
    (error: unknown) => replace(target, h("span", { class: "health unhealthy" }, errorCode(error)), ` — ${error instanceof Error ? error.message : String(error)}`),
  );
}

/**
 * Fills `target` with where the plugin runs, its timeouts (stopped by fuel metering or by
 * terminating its worker), its fuel per call, and its worker's counters (`engine.debugInfo`),
 * asked on every redraw.
 */
function showRuns(app: App, info: PluginInfo, target: HTMLElement): void {
  replace(target, `${info.limits.isolation} (asked), timeoutMs ${info.limits.timeoutMs}`);
  app.engine.debugInfo(info.name).then(
    ({ isolation, worker, limits, engine }) => {
      const timeouts = engine === undefined ? "" : ` — ${engine.timeouts} timeouts`;
      const fuel = engine?.fuel?.p50 == null ? "" : `, fuel p50 ${engine.fuel.p50}`;
      const counters = worker === undefined ? "" : `; worker: ${worker.restarts} restarts, ${worker.crashes} crashes`;
      replace(target, h("span", { class: `isolation ${isolation.mode}` }, isolation.mode), `, timeoutMs ${limits.timeoutMs}${timeouts}${fuel}${counters}`);
    },
    (error: unknown) => replace(target, `${info.limits.isolation} (asked); debugInfo failed: ${errorCode(error)}`),
  );
}

function permissionBox(app: App, info: PluginInfo, permission: PermissionName, health: HTMLElement): HTMLElement {
  const id = `perm-${info.name}-${permission.replace(/[^a-z0-9]/g, "-")}`;
  const granted = info.granted.includes(permission);
  const toggle = (event: Event): void => {
    const checked = (event.currentTarget as HTMLInputElement).checked;
    void app.run(`${checked ? "Granting" : "Revoking"} ${permission} ${checked ? "to" : "from"} ${info.name}`, () => {
      if (checked) app.engine.permissions.grant(info.name, [permission]);
      else app.engine.permissions.revoke(info.name, [permission]);
      return `${info.name}: ${permission} ${checked ? "granted" : "revoked"} (applies from the next host call).`;
    }).then(() => showHealth(app, info.name, health)); // a plugin may report itself degraded without a permission
  };
  return h("li", {}, h("input", { type: "checkbox", id, checked: granted, onchange: toggle }), " ", h("label", { for: id }, permission));
}

function permissions(app: App, info: PluginInfo, health: HTMLElement): HTMLElement {
  const asked = info.permissions;
  return h(
    "fieldset",
    { class: "permissions" },
    h("legend", {}, `Permissions (${info.granted.length} of ${asked.length} granted)`),
    asked.length === 0 ? h("p", {}, "It asks for none.") : h("ul", {}, ...asked.map((p) => permissionBox(app, info, p, health))),
  );
}

/** The card of an installed plugin; `health` shows its last health report (see {@link showHealth}). */
export function pluginCard(app: App, info: PluginInfo, health: HTMLElement): HTMLElement {
  const runs = h("span", { class: "runs" });
  showRuns(app, info, runs);
  const select = (): void => {
    app.selected = info.name;
    app.refresh();
    document.getElementById("call-input")?.focus();
  };
  const uninstall = (): void => {
    void app.run(`Uninstalling ${info.name}`, async () => {
      await app.engine.uninstall(info.name);
      return `${info.name} uninstalled (its grants and data are kept for a reinstall of the same wasm).`;
    });
  };
  return h(
    "article",
    { class: app.selected === info.name ? "plugin selected" : "plugin", "data-plugin": info.name, "aria-labelledby": `title-${info.name}` },
    h("h3", { id: `title-${info.name}` }, info.name, " ", h("span", { class: "version" }, info.version), " ", h("span", { class: `state ${info.state}` }, info.state)),
    h("p", {}, info.description),
    h(
      "dl",
      {},
      ...fact("Health", health),
      ...fact("Runs", runs),
      ...(info.limitNotes.length === 0 ? [] : fact("Limit notes", h("ul", { class: "notes" }, ...info.limitNotes.map((note) => h("li", {}, note))))),
      ...fact("Capabilities", list(info.capabilities)),
      ...fact("Exports", list(info.exports.map((e) => e.name))),
      ...fact("Interface", info.interface),
      ...fact("Dependencies", list(info.dependencies)),
      ...fact("From", info.origin),
      ...fact("Signature", h("span", { class: `signature ${info.signature?.state ?? "none"}` }, signatureText(info.signature))),
      ...fact("sha256", info.sha256 === undefined ? "precompiled" : `${info.sha256.slice(0, 19)}…`),
    ),
    permissions(app, info, health),
    configEditor(app, info),
    h(
      "p",
      { class: "actions" },
      h("button", { type: "button", onclick: select, "aria-label": `Call ${info.name}` }, "Call…"),
      " ",
      h("button", { type: "button", onclick: () => showHealth(app, info.name, health), "aria-label": `Check health of ${info.name}` }, "Check health"),
      " ",
      h("button", { type: "button", class: "danger", onclick: uninstall, "aria-label": `Uninstall ${info.name}` }, "Uninstall"),
    ),
  );
}
