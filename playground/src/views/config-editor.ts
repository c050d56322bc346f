/**
 * A plugin's config in its card: the merged config (plugin.json `config` with the overrides laid
 * over it), the overrides, and a form that applies a JSON Merge Patch to the overrides
 * (`engine.config.set`: `null` removes an override) or drops them all (`engine.config.reset`).
 * Checked by the engine: a bad change is `config_invalid` naming each path, and nothing changes.
 */
import { ThreadspaceError, type PluginInfo } from "@threadspace/core";
import type { App } from "../app.ts";
import { h } from "../dom.ts";

/** Parses the patch: a JSON object, or `bad_input` saying what is wrong. */
function parsePatch(text: string): Record<string, unknown> {
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

const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

/** Plugins whose config section is open, so that it stays open when the cards are redrawn. */
const openSections = new Set<string>();
/** Changes typed but not applied yet, so that a redraw (after a call, an event) does not lose them. */
const drafts = new Map<string, string>();

/** The config section of `info`'s card. */
export function configEditor(app: App, info: PluginInfo): HTMLElement {
  const name = info.name;
  const id = `config-${name}`;
  const patch = h("textarea", { id, rows: 3, spellcheck: "false", oninput: () => void drafts.set(name, patch.value) }, drafts.get(name) ?? "{}");
  const save = (event: Event): void => {
    event.preventDefault();
    void app.run(`Changing the config of ${name}`, async () => {
      const merged = await app.engine.config.set(name, parsePatch(patch.value));
      drafts.delete(name);
      return `${name}'s config is now ${JSON.stringify(merged)}.`;
    });
  };
  const reset = (): void => {
    void app.run(`Resetting the config of ${name}`, async () => {
      await app.engine.config.reset(name);
      drafts.delete(name);
      return `${name}'s config is plugin.json's again.`;
    });
  };
  const remember = (event: Event): void => {
    if ((event.currentTarget as HTMLDetailsElement).open) openSections.add(name);
    else openSections.delete(name);
  };
  return h(
    "details",
    { class: "config", open: openSections.has(name), ontoggle: remember },
    h("summary", {}, "Config"),
    h("p", {}, "In effect:"),
    h("pre", {}, pretty(app.engine.config.get(name))),
    h("p", {}, "Your overrides: ", h("code", {}, JSON.stringify(app.engine.config.overrides(name)))),
    h(
      "form",
      { onsubmit: save },
      h("label", { for: id }, "Change (JSON Merge Patch: objects merge, null removes an override)"),
      patch,
      h("button", { type: "submit", "aria-label": `Apply config change to ${name}` }, "Apply"),
      " ",
      h("button", { type: "button", onclick: reset, "aria-label": `Reset config of ${name}` }, "Reset to plugin.json"),
    ),
  );
}
