/**
 * A plugin's Config: the config in effect (plugin.json's `config` with the overrides laid over
 * it) as a folded tree, the overrides, and a form that applies a JSON Merge Patch to the
 * overrides (`engine.config.set`: `null` removes one) or drops them all (`engine.config.reset`).
 * The engine checks a change against the plugin's `configSchema` (`config_invalid` names each path).
 */
import { ThreadspaceError } from "@threadspace/errors";
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { jsonTree } from "../../widgets/json-tree.ts";
import { section } from "../../widgets/section.ts";
import type { Page } from "../page.ts";

/** Parses the patch: a JSON object, or `bad_input` saying what is wrong. */
export function parsePatch(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `[playground] the config change is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); write an object such as {"greeting": "Hi"}.`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ThreadspaceError("bad_input", `[playground] the config change must be a JSON object such as {"greeting": "Hi"}; got ${JSON.stringify(value)}.`);
  }
  return value as Record<string, unknown>;
}

/** Changes typed but not applied yet, per plugin, so that leaving the tab does not lose them. */
const drafts = new Map<string, string>();

export function configTab(app: App, name: string): Page {
  const effective = h("div", { class: "config-effective" });
  const overrides = h("div", { class: "config-overrides" });
  const id = `config-${name}`;
  const patch = h("textarea", { id, rows: 4, spellcheck: "false", oninput: () => void drafts.set(name, patch.value) }, drafts.get(name) ?? "{}");
  const save = (event: Event): void => {
    event.preventDefault();
    void app.run(`Changing the config of ${name}`, async () => {
      const merged = await app.engine.config.set(name, parsePatch(patch.value));
      drafts.delete(name);
      return `${name}'s config is now ${JSON.stringify(merged).slice(0, 300)}.`;
    });
  };
  const reset = (): void => {
    void app.run(`Resetting the config of ${name}`, async () => {
      await app.engine.config.reset(name);
      drafts.delete(name);
      return `${name}'s config is plugin.json's again.`;
    });
  };
  const element = h(
    "div",
    { class: "config" },
    section(`config-effective`, "In effect", effective),
    section(`config-overrides`, "Your overrides", overrides),
    section(
      `config-change`,
      "Change",
      h(
        "form",
        { onsubmit: save, "aria-label": `Change the config of ${name}` },
        h("label", { for: id }, "A JSON Merge Patch over your overrides: objects merge, null removes an override."),
        patch,
        h("p", {}, h("button", { type: "submit", "aria-label": `Apply config change to ${name}` }, "Apply"), " ", h("button", { type: "button", onclick: reset, "aria-label": `Reset config of ${name}` }, "Reset to plugin.json")),
      ),
    ),
  );
  const update = (): void => {
    void Promise.all([app.engine.config.get(name), app.engine.config.overrides(name)]).then(
      ([config, own]) => {
        replace(effective, jsonTree(config));
        replace(overrides, Object.keys(own).length === 0 ? h("p", {}, "None: plugin.json's config is in effect.") : jsonTree(own));
      },
      () => undefined, // uninstalled meanwhile: the page says so
    );
  };
  update();
  return { element, update };
}
