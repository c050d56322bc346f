/**
 * Which events the timeline shows: a topic filter as typed. With `*` it is a topic pattern,
 * matched as the engine matches subscriptions (`TopicPattern`: `*` is one segment); otherwise it
 * is text to look for in the topic. A pattern the engine would refuse matches nothing.
 */
import { TopicPattern, patternProblem } from "@threadspace/host";

/** True when `topic` matches `filter`: empty matches all. */
export function topicMatches(topic: string, filter: string): boolean {
  const wanted = filter.trim();
  if (wanted === "") return true;
  if (!wanted.includes("*")) return topic.includes(wanted);
  if (patternProblem(wanted) !== undefined) return false;
  return new TopicPattern(wanted).matches(topic.split("."));
}
