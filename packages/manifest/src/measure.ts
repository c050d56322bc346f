/**
 * UTF-8 length of `text` without encoding it; stops counting once past `limit` and then
 * returns a number above `limit`. Lone surrogates count 3 bytes (they encode as U+FFFD).
 */
export function utf8Length(text: string, limit = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * True when JSON text nests objects and arrays deeper than `maxDepth` (top level = 1).
 * A single pass over the characters, skipping strings: safe on any input.
 */
export function textTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** What {@link walkValue} found wrong with a JavaScript value, if anything. */
export type WalkProblem = "too_deep" | "too_large" | undefined;

/**
 * Walks a JavaScript value without recursion (no stack overflow on hostile input) and says
 * whether it nests deeper than `maxDepth` (cycles count as too deep) or holds more than
 * `maxValues` values (shared sub-objects counted each time, as JSON.stringify would write them).
 */
export function walkValue(value: unknown, maxDepth: number, maxValues: number): WalkProblem {
  const stack: [object, number][] = [];
  if (typeof value === "object" && value !== null) stack.push([value, 1]);
  let values = 1;
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [node, depth] = entry;
    if (depth > maxDepth) return "too_deep";
    const children: unknown[] = [];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && values + i <= maxValues; i++) children.push(node[i]);
      values += node.length;
    } else {
      const keys = Object.keys(node);
      values += keys.length;
      if (values <= maxValues) for (const key of keys) children.push((node as Record<string, unknown>)[key]);
    }
    if (values > maxValues) return "too_large";
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return undefined;
}
