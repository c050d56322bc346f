/** A plugin's Logs: its entries (newest first) at the level picked for it, arriving live. */
import type { LogEntry, LogLevel } from "@threadspace/core";
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import type { Page } from "../page.ts";

const SHOWN = 200;
const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "silent"];
const time = (at: number): string => new Date(at).toLocaleTimeString();

function logItem(entry: LogEntry): HTMLElement {
  const fields = Object.keys(entry.fields).length === 0 ? "" : ` ${JSON.stringify(entry.fields)}`;
  return h("li", { class: `log ${entry.level}` }, h("time", {}, time(entry.at)), " ", h("span", { class: "level" }, entry.level), " ", `${entry.message}${fields}`);
}

export function logsTab(app: App, name: string): Page {
  const level = h("select", { id: "log-level" }, ...LEVELS.map((value) => h("option", { value }, value)));
  const list = h("ol", { id: "logs", class: "feed" });
  let scheduled = false;
  const render = (): void => {
    scheduled = false;
    void Promise.all([app.engine.logs(name), app.engine.logLevel(name)]).then(
      ([entries, current]) => {
        level.value = current;
        replace(list, ...(entries.length === 0 ? [h("li", { class: "empty" }, `No log entry yet at ${current} or above. Call the plugin (Call tab), or lower its level.`)] : entries.slice(-SHOWN).reverse().map(logItem)));
      },
      () => undefined,
    );
  };
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  let off: (() => Promise<void>) | undefined;
  let disposed = false;
  void app.engine.onLog(later, { plugin: name }).then((remove) => {
    if (disposed) void remove();
    else off = remove;
  });
  level.addEventListener("change", () => {
    const value = level.value as LogLevel;
    void app.run(`Setting the log level of ${name}`, async () => {
      await app.engine.setLogLevel(name, value);
      return `${name} now logs at ${value} and above.`;
    });
  });
  const element = h("div", { class: "logs" }, h("p", {}, h("label", { for: "log-level" }, "Log level of this plugin"), " ", level), list);
  render();
  return {
    element,
    update: render,
    dispose: () => {
      disposed = true;
      void off?.();
    },
  };
}
