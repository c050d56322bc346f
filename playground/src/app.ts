/**
 * What the views share: the engine, the example catalogue, the selected plugin, a status line
 * for results and errors, and `refresh()` to redraw every view after a change.
 */
import type { Engine } from "@threadspace/core";
import type { ExampleEntry } from "./catalog.ts";
import { h, replace } from "./dom.ts";
import { errorBox } from "./error-view.ts";

/** The playground's shared state. */
export interface App {
  readonly engine: Engine;
  readonly catalog: readonly ExampleEntry[];
  /** The plugin the call and activity panels show. */
  selected: string | undefined;
  /** Registers a view's render function (called now and on every refresh). */
  view(render: () => void): void;
  /** Redraws every view. */
  refresh(): void;
  /** Runs an action named `where`; shows its message, or its error, in the status line, then refreshes. */
  run(where: string, action: () => Promise<string> | string): Promise<boolean>;
}

/** Shows `content` in the status region, with a button that clears it. */
export function showStatus(status: HTMLElement, ...content: Node[]): void {
  replace(status, ...content, h("p", {}, h("button", { type: "button", onclick: () => replace(status) }, "Dismiss")));
}

/** Creates the shared state; `status` is an `aria-live` region. */
export function createApp(engine: Engine, catalog: readonly ExampleEntry[], status: HTMLElement): App {
  const views: Array<() => void> = [];
  const app: App = {
    engine,
    catalog,
    selected: engine.list()[0]?.name,
    view(render) {
      views.push(render);
      render();
    },
    refresh() {
      if (app.selected !== undefined && engine.get(app.selected) === undefined) app.selected = engine.list()[0]?.name;
      for (const render of views) render();
    },
    async run(where, action) {
      showStatus(status, h("p", { class: "busy" }, `${where}…`));
      try {
        const message = await action();
        showStatus(status, h("p", { class: "ok" }, message));
        return true;
      } catch (error) {
        showStatus(status, errorBox(error, where));
        return false;
      } finally {
        app.refresh();
      }
    },
  };
  return app;
}
