/**
 * The sidebar: every installed plugin with its version, state, health and where it runs; a
 * link to its page. The plugins that failed to come back from storage are listed after them.
 */
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { routeHash } from "../route.ts";

/** Renders the plugin list into `target` after every refresh and route change. */
export function sidebar(app: App, target: HTMLElement): void {
  const render = (): void => {
    const route = app.route;
    const current = route.page === "plugin" ? route.plugin : undefined;
    const { plugins, debug, restoreErrors } = app.snapshot;
    replace(
      target,
      plugins.length === 0 && h("li", { class: "empty" }, "No plugin installed. ", h("a", { href: "#/install" }, "Install one")),
      ...plugins.map((info) => {
        const seen = debug.get(info.name);
        const health = seen?.status ?? (info.state === "ready" ? "unknown" : "unhealthy");
        const mode = seen?.isolation.mode ?? info.limits.isolation;
        return h(
          "li",
          { "data-plugin": info.name },
          h(
            "a",
            { href: routeHash({ page: "plugin", plugin: info.name, tab: route.page === "plugin" ? route.tab : "overview" }), "aria-current": info.name === current ? "page" : false },
            h("span", { class: "name" }, info.name),
            " ",
            h("span", { class: "version" }, info.version),
            h(
              "span",
              { class: "badges" },
              info.state !== "ready" && h("span", { class: `state ${info.state}` }, info.state),
              h("span", { class: `health ${health}`, title: seen?.message ?? "" }, health),
              h("span", { class: `isolation ${mode}` }, mode),
            ),
          ),
        );
      }),
      ...[...restoreErrors.keys()].map((name) => h("li", { "data-restore-error": name }, h("a", { href: "#/install" }, h("span", { class: "name" }, name), " ", h("span", { class: "health unhealthy" }, "not restored")))),
    );
  };
  app.onRefresh(render);
  window.addEventListener("hashchange", render);
  render();
}
