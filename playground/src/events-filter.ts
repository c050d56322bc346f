/** Which events the timeline shows: a topic filter as typed (a pattern with `*` for one segment and `**` for any tail, or plain text to look for). */

/** True when `topic` matches `filter`: empty matches all; with `*` it is a pattern, otherwise a substring. */
export function topicMatches(topic: string, filter: string): boolean {
  const wanted = filter.trim();
  if (wanted === "") return true;
  if (!wanted.includes("*")) return topic.includes(wanted);
  const want = wanted.split(".");
  const have = topic.split(".");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "**") return true;
    if (i >= have.length) return false;
    if (want[i] !== "*" && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}
