/**
 * A row of tabs (WAI-ARIA tabs pattern): links that change the route, arrow keys, Home and End
 * move between them, the current one is `aria-selected`.
 */
import { h } from "../dom.ts";

export interface TabSpec {
  readonly id: string;
  readonly label: string;
  readonly href: string;
  /** A count or state shown after the label (e.g. "3"). */
  readonly badge?: string;
}

/** The tablist for `tabs`, `current` selected; `panelId` is the id of the element the tabs control. */
export function tabList(label: string, tabs: readonly TabSpec[], current: string, panelId: string): HTMLElement {
  const links = tabs.map((tab) =>
    h(
      "a",
      { role: "tab", id: `tab-${tab.id}`, href: tab.href, "aria-selected": tab.id === current ? "true" : "false", "aria-controls": panelId, tabindex: tab.id === current ? 0 : -1, "data-tab": tab.id },
      tab.label,
      tab.badge !== undefined && h("span", { class: "tab-badge" }, tab.badge),
    ),
  );
  const list = h("div", { role: "tablist", "aria-label": label, class: "tabs" }, ...links);
  list.addEventListener("keydown", (event) => {
    const index = links.findIndex((link) => link === document.activeElement);
    if (index < 0) return;
    const next = event.key === "ArrowRight" ? (index + 1) % links.length : event.key === "ArrowLeft" ? (index - 1 + links.length) % links.length : event.key === "Home" ? 0 : event.key === "End" ? links.length - 1 : -1;
    if (next < 0) return;
    event.preventDefault();
    links[next]?.focus();
    links[next]?.click();
  });
  return list;
}
