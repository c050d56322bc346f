const MAX_SHOWN = 60;

/**
 * A short rendering of a JSON value for messages: strings quoted (and cut when long),
 * numbers and literals as written, containers by kind.
 *
 * @example describeValue("My Plugin") // "\"My Plugin\""; describeValue([1]) // "an array"
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    return quoted.length <= MAX_SHOWN ? quoted : `${quoted.slice(0, MAX_SHOWN - 4)}..." (${value.length} characters)`;
  }
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}

/** Quotes a string for a message the way JSON would write it. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
