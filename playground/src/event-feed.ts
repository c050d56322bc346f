/**
 * The latest events on the engine's bus (any topic, any source), newest first: the engine's event
 * log (`engine.events.recent`, kept in IndexedDB with the rest), redrawn as events arrive.
 */
import type { Engine, TopicEvent } from "@threadspace/core";

/** How many events the feed shows at most. */
export const FEED_SIZE = 100;
/** `*` matches one segment, so one pattern per topic depth hears every event. */
const PATTERNS = ["*", "*.*", "*.*.*", "*.*.*.*", "*.*.*.*.*"];

/** Calls `changed` after each event; `events()` reads the log. */
export function eventFeed(engine: Engine, changed: () => void): { events(): readonly TopicEvent[] } {
  for (const pattern of PATTERNS) engine.events.on(pattern, changed);
  return { events: () => engine.events.recent({ limit: FEED_SIZE }).reverse() };
}
