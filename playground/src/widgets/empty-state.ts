/** What an empty panel says: what is missing and what to do about it, with a link when there is one. */
import { h } from "../dom.ts";

export function emptyState(what: string, todo: string, action?: { readonly label: string; readonly href: string }): HTMLElement {
  return h("div", { class: "empty" }, h("p", {}, h("strong", {}, what)), h("p", {}, todo, action !== undefined && " ", action !== undefined && h("a", { href: action.href }, action.label)));
}
