/** A collapsible section whose open state survives redraws (kept per key for the page's life). */
import { h } from "../dom.ts";

type Child = Node | string | false | null | undefined;
const closed = new Set<string>();

/** A `<details>` section titled `title`, open unless the person closed it. */
export function section(key: string, title: string | Node, ...children: Child[]): HTMLDetailsElement {
  const details = h("details", { class: "section", open: !closed.has(key), "data-section": key }, h("summary", {}, h("h3", {}, title)), ...children);
  details.addEventListener("toggle", () => {
    if (details.open) closed.delete(key);
    else closed.add(key);
  });
  return details;
}
