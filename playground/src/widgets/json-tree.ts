/**
 * A JSON value as a tree a reader can fold: objects and arrays are `<details>` (open near the
 * top, closed deeper down or when long), arrays show their first items with a button for the
 * rest, and long strings are cut with a button for the whole. So a config with 156 stop words
 * takes one line until it is opened.
 */
import { h } from "../dom.ts";

/** Folding thresholds; the defaults suit the playground's panels. */
export interface TreeOptions {
  /** Levels open at first (0: only the summary of the root). */
  readonly openDepth?: number;
  /** A container with more items than this starts closed. */
  readonly foldOver?: number;
  /** Items shown before "show more". */
  readonly pageSize?: number;
  /** Characters of a string shown before "show all". */
  readonly stringCut?: number;
}

const DEFAULTS: Required<TreeOptions> = { openDepth: 2, foldOver: 12, pageSize: 50, stringCut: 160 };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A one-line summary of a container: `[156 items]`, `{3 keys}`. */
export function containerSummary(value: readonly unknown[] | object): string {
  if (Array.isArray(value)) return `[${value.length} ${value.length === 1 ? "item" : "items"}]`;
  const count = Object.keys(value).length;
  return `{${count} ${count === 1 ? "key" : "keys"}}`;
}

function scalar(value: Exclude<Json, Json[] | { [key: string]: Json }>, options: Required<TreeOptions>): HTMLElement {
  if (typeof value !== "string") return h("span", { class: `json-${value === null ? "null" : typeof value}` }, JSON.stringify(value));
  const text = JSON.stringify(value);
  if (text.length <= options.stringCut) return h("span", { class: "json-string" }, text);
  const span = h("span", { class: "json-string" }, `${text.slice(0, options.stringCut)}…`);
  const more = h("button", { type: "button", class: "link", onclick: () => { span.textContent = text; more.remove(); } }, `show all ${value.length} characters`);
  return h("span", {}, span, " ", more);
}

function node(label: HTMLElement | null, value: Json, depth: number, options: Required<TreeOptions>): HTMLElement {
  if (value === null || typeof value !== "object") return h("div", { class: "json-row" }, label, scalar(value, options));
  const entries: Array<[string, Json]> = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  const open = depth < options.openDepth && entries.length <= options.foldOver;
  const details = h("details", { class: "json-node", open }, h("summary", {}, label, h("span", { class: "json-summary" }, containerSummary(value))));
  const body = h("div", { class: "json-children" });
  details.append(body);
  let shown = 0;
  const showMore = (): void => {
    const next = entries.slice(shown, shown + options.pageSize);
    for (const [key, item] of next) body.append(node(h("span", { class: "json-key" }, Array.isArray(value) ? `${key}: ` : `${JSON.stringify(key)}: `), item, depth + 1, options));
    shown += next.length;
    if (shown < entries.length) body.append(h("button", { type: "button", class: "link more", onclick: (event: Event) => { (event.currentTarget as HTMLElement).remove(); showMore(); } }, `show ${Math.min(options.pageSize, entries.length - shown)} more of ${entries.length - shown}`));
  };
  // Children are built when first opened: a large value costs nothing while folded.
  if (open) showMore();
  else details.addEventListener("toggle", () => { if (details.open && shown === 0) showMore(); }, { once: false });
  return details;
}

/** The tree of a JSON value (anything `JSON.parse` returns). */
export function jsonTree(value: unknown, options: TreeOptions = {}): HTMLElement {
  return h("div", { class: "json-tree" }, node(null, value as Json, 0, { ...DEFAULTS, ...options }));
}
