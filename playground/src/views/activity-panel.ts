/**
 * What the selected plugin did: its log entries (kept by the engine, newest first) and the
 * events on the bus that it published or that concern it. Redrawn when a log entry or an event arrives.
 */
import type { LogEntry, TopicEvent } from "@threadspace/core";
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
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
function concerns(event: TopicEvent, name: string): boolean {
  if (event.source === name) return true;
  const payload = event.payload as { plugin?: unknown; name?: unknown } | null;
  return typeof payload === "object" && payload !== null && (payload.plugin === name || payload.name === name);
}

/** Renders the selected plugin's logs into `logs` and the events into `events`. */
export function activityPanel(app: App, heading: HTMLElement, logs: HTMLElement, events: HTMLElement): void {
  let scheduled = false;
  const render = (): void => {
    scheduled = false;
    const name = app.selected;
    replace(heading, name === undefined ? "Activity" : `Activity of ${name}`);
    const entries = name === undefined || app.engine.get(name) === undefined ? [] : app.engine.logs(name).slice(-SHOWN).reverse();
    replace(logs, ...(entries.length === 0 ? [h("li", {}, "No log entry yet.")] : entries.map(logItem)));
    const mine = feed.events.filter((event) => name === undefined || concerns(event, name)).slice(0, SHOWN);
    replace(events, ...(mine.length === 0 ? [h("li", {}, "No event yet (events are shown from this page load on).")] : mine.map(eventItem)));
  };
  // Log entries and events come in bursts: redraw once per frame.
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  const feed = eventFeed(app.engine, later);
  app.engine.onLog(later);
  app.view(render);
}
