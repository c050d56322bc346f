/** The installed plugins, a card each, and the plugins that failed to come back from storage. */
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { errorBox } from "../error-view.ts";
import { pluginCard } from "./plugin-card.ts";

/** Renders into `target` on every refresh. */
export function pluginListView(app: App, target: HTMLElement): void {
  app.view(() => {
    const plugins = app.engine.list();
    const restoreErrors = [...app.engine.restoreErrors.entries()];
    replace(
      target,
      plugins.length === 0 && h("p", {}, "No plugin is installed. Install an example or a plugin from your disk."),
      ...plugins.map((info) => pluginCard(app, info)),
      ...restoreErrors.map(([name, error]) => errorBox(error, `Restoring ${name} from the browser's storage`)),
    );
  });
}
