/**
 * Events: the engine's bus as a timeline (newest first, from its stored log, then live), with a
 * topic filter and a pause, and an emit box that publishes an event from the host (topic and
 * JSON payload) to every plugin subscribed to it.
 */
import { type TopicEvent } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { topicMatches } from "../events-filter.ts";
import { section } from "../widgets/section.ts";
import type { Page } from "./page.ts";

const KEPT = 500;
const SHOWN = 200;
/** `*` matches one segment, so one pattern per topic depth hears every event. */
const PATTERNS = ["*", "*.*", "*.*.*", "*.*.*.*", "*.*.*.*.*"];
const time = (at: number): string => new Date(at).toLocaleTimeString();

/** The payload typed in the emit box: JSON, or `bad_input` saying what is wrong. */
export function parsePayload(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `[playground] the payload is not JSON (${cause instanceof Error ? cause.message : String(cause)}); write e.g. {"id": "m1"}, or leave it empty.`, { cause });
  }
}

function eventItem(event: TopicEvent): HTMLElement {
  const payload = JSON.stringify(event.payload) ?? "";
  return h("li", { "data-topic": event.topic }, h("time", {}, time(event.at)), " ", h("code", { class: "topic" }, event.topic), ` from ${event.source} `, h("code", { class: "payload" }, payload.length > 300 ? `${payload.slice(0, 300)}…` : payload));
}

export function eventsPage(app: App): Page {
  const filter = h("input", { id: "events-filter", type: "search", placeholder: "memory.* (a pattern) or text" });
  const pause = h("input", { type: "checkbox", id: "events-pause" });
  const waiting = h("span", { class: "waiting" });
  const list = h("ol", { id: "events", class: "feed timeline" });
  const topic = h("input", { id: "emit-topic", required: true, value: "memory.created" });
  const payload = h("textarea", { id: "emit-payload", rows: 3, spellcheck: "false" }, '{"id": "m1"}');
  const events: TopicEvent[] = [];
  let missed = 0;
  let scheduled = false;

  const render = (): void => {
    scheduled = false;
    if (pause.checked) {
      waiting.textContent = missed === 0 ? "" : ` ${missed} new while paused`;
      return;
    }
    missed = 0;
    waiting.textContent = "";
    const shown = events.filter((event) => topicMatches(event.topic, filter.value)).slice(0, SHOWN);
    replace(list, ...(shown.length === 0 ? [h("li", { class: "empty" }, events.length === 0 ? "No event yet. Install a plugin, store a memory, or emit one below." : "No event matches the filter.")] : shown.map(eventItem)));
  };
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  };
  const arrived = (event: TopicEvent): void => {
    events.unshift(event);
    events.length = Math.min(events.length, KEPT);
    if (pause.checked) missed++;
    later();
  };

  let disposed = false;
  const offs: Array<() => Promise<void>> = [];
  void (async () => {
    for (const pattern of PATTERNS) {
      const off = await app.engine.events.on(pattern, arrived);
      if (disposed) void off();
      else offs.push(off);
    }
    // What happened before the page subscribed: the engine's stored log (kept across reloads).
    const before = await app.engine.events.recent({ limit: KEPT });
    const seen = new Set(events.map((event) => `${event.at}|${event.topic}|${event.source}`));
    events.push(...before.reverse().filter((event) => !seen.has(`${event.at}|${event.topic}|${event.source}`)));
    events.sort((a, b) => b.at - a.at);
    render();
  })();

  const emit = (event: Event): void => {
    event.preventDefault();
    void app.run(`Emitting ${topic.value}`, async () => {
      await app.engine.events.emit(topic.value, parsePayload(payload.value));
      return `Emitted ${topic.value}: delivered to every plugin subscribed to it (see their logs and data).`;
    });
  };
  filter.addEventListener("input", render);
  pause.addEventListener("change", render);
  const element = h(
    "section",
    { class: "events-page", "aria-labelledby": "events-title" },
    h("h2", { id: "events-title" }, "Events"),
    section(
      "events-emit",
      "Emit an event",
      h(
        "form",
        { id: "emit-form", onsubmit: emit, "aria-label": "Emit an event" },
        h("p", {}, h("label", { for: "emit-topic" }, "Topic"), " ", topic, " ", h("span", { class: "hint" }, "activity-journal subscribes to memory.created, memory.updated and memory.deleted.")),
        h("p", {}, h("label", { for: "emit-payload" }, "Payload (JSON, may be empty)"), payload),
        h("p", {}, h("button", { type: "submit", id: "emit-button" }, "Emit")),
      ),
    ),
    section(
      "events-timeline",
      "Timeline",
      h("p", { class: "controls" }, h("label", { for: "events-filter" }, "Filter by topic"), " ", filter, " ", pause, " ", h("label", { for: "events-pause" }, "Pause"), waiting),
      list,
    ),
  );
  render();
  return {
    element,
    dispose: () => {
      disposed = true;
      for (const off of offs) void off();
    },
  };
}
