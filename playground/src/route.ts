/**
 * Where the playground is: the part of the URL after `#`, so that a reload, the back button and a
 * link keep the page and the tab. `#/plugin/hello/call` is hello's Call tab.
 */

/** The tabs of a plugin's page, in the order they are shown. */
export const PLUGIN_TABS = ["overview", "call", "config", "permissions", "logs", "health", "traces"] as const;
export type PluginTab = (typeof PLUGIN_TABS)[number];

/** The global pages. */
export const GLOBAL_PAGES = ["start", "events", "data", "install", "trust"] as const;
export type GlobalPage = (typeof GLOBAL_PAGES)[number];

export type Route = { readonly page: GlobalPage } | { readonly page: "plugin"; readonly plugin: string; readonly tab: PluginTab };

const isTab = (value: string): value is PluginTab => (PLUGIN_TABS as readonly string[]).includes(value);
const isGlobal = (value: string): value is GlobalPage => (GLOBAL_PAGES as readonly string[]).includes(value);

/** Reads a hash (`#/plugin/hello/call`); anything else is the start page. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map((part) => decodeURIComponent(part));
  const [page = "", plugin = "", tab = "overview"] = parts;
  if (page === "plugin" && plugin !== "") return { page, plugin, tab: isTab(tab) ? tab : "overview" };
  return { page: isGlobal(page) ? page : "start" };
}

/** The hash of a route. */
export function routeHash(route: Route): string {
  return route.page === "plugin" ? `#/plugin/${encodeURIComponent(route.plugin)}/${route.tab}` : `#/${route.page}`;
}
