/**
 * Composite keys that keep tuple order: `key("hello", "count")` sorts with every other key of
 * plugin `hello`, and `keyPrefix("hello")` is the prefix to scan them all (and nothing of a
 * plugin `hello2`). Parts are joined by U+0000; a U+0000 or U+0001 inside a part is
 * escaped (as U+0001 U+0001 and U+0001 U+0002), so parts may hold any text and order holds:
 * `key(a, x) < key(b, y)` whenever `a < b`.
 */
const SEP = "\u0000";
const ESC = "\u0001";
const NEEDS_ESCAPE = /[\u0000\u0001]/;

function escapePart(part: string): string {
  if (!NEEDS_ESCAPE.test(part)) return part;
  return part.replace(/[\u0000\u0001]/g, (c) => (c === SEP ? ESC + ESC : ESC + "\u0002"));
}

function unescapePart(part: string): string {
  if (!part.includes(ESC)) return part;
  return part.replace(/\u0001([\u0001\u0002])/g, (_, c: string) => (c === ESC ? SEP : ESC));
}

/** Joins parts into one key (numbers through {@link seqKey}). */
export function key(...parts: readonly (string | number)[]): string {
  return parts.map((part) => (typeof part === "number" ? seqKey(part) : escapePart(part))).join(SEP);
}

/** The prefix of every key whose leading parts are `parts`: `scan(store, { prefix: keyPrefix("hello") })`. */
export function keyPrefix(...parts: readonly (string | number)[]): string {
  return key(...parts) + SEP;
}

/** The parts of a key made by {@link key} (numbers come back as their `seqKey` text; see {@link parseSeq}). */
export function splitKey(composite: string): string[] {
  return composite.split(SEP).map(unescapePart);
}

/** Width of {@link seqKey}: enough for `Number.MAX_SAFE_INTEGER`. */
const SEQ_WIDTH = 16;

/** A non-negative integer as fixed-width decimal, so that key order is numeric order. */
export function seqKey(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`storage: sequence numbers are safe integers >= 0; got ${n}`);
  return String(n).padStart(SEQ_WIDTH, "0");
}

/** The number of a {@link seqKey}. */
export function parseSeq(text: string): number {
  return Number(text);
}

/**
 * The smallest string greater than every string starting with `prefix`, or `undefined` when
 * there is none (an empty prefix, or one made only of U+FFFF). For key ranges: `[prefix, end)`.
 */
export function prefixEnd(prefix: string): string | undefined {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  return undefined;
}
