/**
 * A plugin's Overview: what it is and offers, where it came from (kept across reloads: origin,
 * signature checked again at restore, sha256), and where it runs (isolation, limits, notes).
 */
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { exportNames } from "../../export-schemas.ts";
import { jsonTree } from "../../widgets/json-tree.ts";
import { section } from "../../widgets/section.ts";
import type { Page } from "../page.ts";
import { fact, list, signatureText } from "./facts.ts";

export function overviewTab(app: App, name: string): Page {
  const element = h("div", { class: "overview" });
  const update = (): void => {
    const info = app.info(name);
    if (info === undefined) return;
    const seen = app.snapshot.debug.get(name);
    const mode = seen?.isolation.mode ?? info.limits.isolation;
    const observed = seen?.engine;
    replace(
      element,
      section(
        "overview-about",
        "About",
        h(
          "dl",
          {},
          ...fact("Description", info.description || "(none)"),
          ...fact("Author", info.author || "(none)"),
          ...fact("Capabilities", list(info.capabilities)),
          ...fact("Exports", list(exportNames(info))),
          ...fact("Interface", info.interface),
          ...fact("Dependencies", list(info.dependencies)),
        ),
      ),
      section(
        "overview-origin",
        "Where it came from",
        h(
          "dl",
          {},
          ...fact("From", h("span", { class: "origin" }, info.origin)),
          ...fact("Signature", h("span", { class: `signature ${info.signature?.state ?? "none"}` }, signatureText(info.signature))),
          ...fact("sha256", h("code", { class: "sha" }, info.sha256 ?? "precompiled module")),
          ...fact("Installed", new Date(info.installedAt).toLocaleString()),
        ),
      ),
      section(
        "overview-runs",
        "Where it runs",
        h(
          "dl",
          {},
          ...fact("Isolation", h("span", { class: `isolation ${mode}` }, mode)),
          ...fact("timeoutMs", String(seen?.limits.timeoutMs ?? info.limits.timeoutMs)),
          ...fact("Metered", info.metered ? "yes: fuel is counted, loops are stopped on any thread" : "no"),
          ...fact("Calls", observed === undefined ? "not loaded" : `${observed.calls} (${observed.errors} errors, ${observed.timeouts} timeouts)`),
          ...(seen?.worker === undefined ? [] : fact("Worker", `${seen.worker.restarts} restarts, ${seen.worker.crashes} crashes`)),
          ...(info.limitNotes.length === 0 ? [] : fact("Limit notes", h("ul", { class: "notes" }, ...info.limitNotes.map((note) => h("li", {}, note))))),
        ),
        h("details", { class: "limits" }, h("summary", {}, "All limits"), jsonTree(seen?.limits ?? info.limits)),
      ),
    );
  };
  update();
  return { element, update };
}
