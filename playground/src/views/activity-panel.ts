/**
 * What the selected plugin did: its log entries (kept by the engine, newest first) and the
 * events on the bus that it published or that concern it. Redrawn when a log entry or an event arrives.
 */
import type { LogEntry, LogLevel, TopicEvent } from "@threadspace/core";
import type { App } from "../app.ts";
import { byId, h, replace } from "../dom.ts";
import { eventFeed } from "../event-feed.ts";

const time = (at: number): string => new Date(at).toLocaleTimeString();
const SHOWN = 50;

function logItem(entry: LogEntry): HTMLElement {
  const fields = Object.keys(entry.fields).length === 0 ? "" : ` ${JSON.stringify(entry.fields)}`;
  return h("li", { class: `log ${entry.level}` }, h("time", {}, time(entry.at)), " ", h("span", { class: "level" }, entry.level), " ", `${entry.message}${fields}`);
}

function eventItem(event: TopicEvent): HTMLElement {
  return h("li", {}, h("time", {}, time(event.at)), " ", h("code", {}, event.topic), ` from ${event.source} `, h("code", { class: "payload" }, JSON.stringify(event.payload)));
}

/** True when the event came from the plugin or names it in its payload. */
function concerns(event: TopicEvent, name: string | undefined): boolean {
  if (name === undefined) return true;
  if (event.source === name) return true;
  const payload = event.payload as { plugin?: unknown; name?: unknown } | null;
  return typeof payload === "object" && payload !== null && (payload.plugin === name || payload.name === name);
}

/** Renders the selected plugin's logs into `logs` and the events into `events`. */
export function activityPanel(app: App, heading: HTMLElement, logs: HTMLElement, events: HTMLElement): void {
  const level = byId("log-level", HTMLSelectElement);
  const allEvents = byId("all-events", HTMLInputElement);
  let scheduled = false;
  const render = (): void => {
    scheduled = false;
    const name = app.selected !== undefined && app.engine.get(app.selected) !== undefined ? app.selected : undefined;
    replace(heading, name === undefined ? "Activity" : `Activity of ${name}`);
    level.disabled = name === undefined;
    if (name !== undefined) level.value = app.engine.logLevel(name);
    const entries = name === undefined ? [] : app.engine.logs(name).slice(-SHOWN).reverse();
    const quiet = name === undefined ? "" : ` at ${level.value} or above`;
    replace(logs, ...(entries.length === 0 ? [h("li", {}, `No log entry yet${quiet}.`)] : entries.map(logItem)));
    const shown = feed.events().filter((event) => allEvents.checked || concerns(event, name)).slice(0, SHOWN);
    replace(events, ...(shown.length === 0 ? [h("li", {}, "No event yet.")] : shown.map(eventItem)));
  };
  // Log entries and events come in bursts: redraw once per frame.
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  const feed = eventFeed(app.engine, later);
  app.engine.onLog(later);
  allEvents.addEventListener("change", render);
  level.addEventListener("change", () => {
    const name = app.selected;
    if (name === undefined) return;
    const value = level.value as LogLevel;
    void app.run(`Setting the log level of ${name}`, () => {
      app.engine.setLogLevel(name, value);
      return `${name} now logs at ${value} and above.`;
    });
  });
  app.view(render);
}
