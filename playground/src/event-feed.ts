/** The latest events on the engine's bus (any topic, any source), kept for the activity panel. */
import type { Engine, TopicEvent } from "@threadspace/core";

/** How many events the feed keeps. */
export const FEED_SIZE = 100;
/** `*` matches one segment, so one pattern per topic depth catches every event. */
const PATTERNS = ["*", "*.*", "*.*.*", "*.*.*.*", "*.*.*.*.*"];

/** Subscribes to every event; `changed` is called after each one. */
export function eventFeed(engine: Engine, changed: () => void): { readonly events: readonly TopicEvent[] } {
  const events: TopicEvent[] = [];
  for (const pattern of PATTERNS) {
    engine.events.on(pattern, (event) => {
      events.unshift(event);
      if (events.length > FEED_SIZE) events.length = FEED_SIZE;
      changed();
    });
  }
  return { events };
}
