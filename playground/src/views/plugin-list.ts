/** The installed plugins, a card each, and the plugins that failed to come back from storage. */
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { errorBox } from "../error-view.ts";
import { pluginCard, showHealth } from "./plugin-card.ts";

/** Renders into `target` on every refresh. */
export function pluginListView(app: App, target: HTMLElement): void {
  // One health line per installed plugin, asked for once and kept across redraws ("Check health" asks again).
  const healthLines = new Map<string, HTMLElement>();
  const healthOf = (name: string, installedAt: number): HTMLElement => {
    const key = `${name}@${installedAt}`;
    let line = healthLines.get(key);
    if (line === undefined) {
      line = h("span", {});
      healthLines.set(key, line);
      showHealth(app, name, line);
    }
    return line;
  };
  app.view(() => {
    const plugins = app.engine.list();
    const restoreErrors = [...app.engine.restoreErrors.entries()];
    replace(
      target,
      plugins.length === 0 && h("p", {}, "No plugin is installed. Install an example or a plugin from your disk."),
      ...plugins.map((info) => pluginCard(app, info, healthOf(info.name, info.installedAt))),
      ...restoreErrors.map(([name, error]) => errorBox(error, `Restoring ${name} from the browser's storage`)),
    );
  });
}
