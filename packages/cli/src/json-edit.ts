/** A top-level member of a JSON object, located in its text. */
interface Member {
  readonly key: string;
  readonly keyStart: number;
  readonly valueEnd: number;
  readonly valueStart: number;
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

function skipWhitespace(text: string, pos: number): number {
  while (pos < text.length && WHITESPACE.has(text[pos] as string)) pos++;
  return pos;
}

/** End (exclusive) of the JSON string starting at `pos` (a `"`). */
function stringEnd(text: string, pos: number): number {
  for (let i = pos + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  throw new Error("unterminated string");
}

/** End (exclusive) of the JSON value starting at `pos`. */
function valueEnd(text: string, pos: number): number {
  const first = text[pos];
  if (first === '"') return stringEnd(text, pos);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = pos; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = stringEnd(text, i) - 1;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new Error("unterminated object or array");
  }
  let i = pos;
  while (i < text.length && !WHITESPACE.has(text[i] as string) && text[i] !== "," && text[i] !== "}" && text[i] !== "]") i++;
  return i;
}

/** The top-level members of a JSON object text, and where its braces are. */
function topLevelMembers(text: string): { members: Member[]; open: number; close: number } {
  const open = skipWhitespace(text, text.startsWith("\uFEFF") ? 1 : 0);
  if (text[open] !== "{") throw new Error("not a JSON object");
  const members: Member[] = [];
  let pos = skipWhitespace(text, open + 1);
  while (text[pos] !== "}") {
    const keyStart = pos;
    const keyEnd = stringEnd(text, keyStart);
    const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
    pos = skipWhitespace(text, keyEnd);
    if (text[pos] !== ":") throw new Error(`expected ":" at ${pos}`);
    const valueStart = skipWhitespace(text, pos + 1);
    const end = valueEnd(text, valueStart);
    members.push({ key, keyStart, valueStart, valueEnd: end });
    pos = skipWhitespace(text, end);
    if (text[pos] === ",") pos = skipWhitespace(text, pos + 1);
    else if (text[pos] !== "}") throw new Error(`expected "," or "}" at ${pos}`);
  }
  return { members, open, close: pos };
}

/** The whitespace before a member's key on its line, or `undefined` when the member shares its line. */
function lineIndent(text: string, keyStart: number): string | undefined {
  const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const before = text.slice(lineStart, keyStart);
  return lineStart > 0 && /^[ \t]*$/.test(before) ? before : undefined;
}

/**
 * Sets a top-level field of a JSON object text to `value`, changing nothing else: an existing
 * value is replaced where it stands; a new field goes right after the field `after` (or the last
 * one), indented like its neighbours. The text must be valid JSON (check with `JSON.parse` first).
 *
 * @example
 * setTopLevelField('{\n  "main": "plugin.wasm"\n}', "hash", "sha256:…", "main")
 * // '{\n  "main": "plugin.wasm",\n  "hash": "sha256:…"\n}'
 */
export function setTopLevelField(text: string, key: string, value: unknown, after?: string): string {
  const encoded = JSON.stringify(value);
  const { members, open, close } = topLevelMembers(text);
  const existing = members.filter((member) => member.key === key);
  if (existing.length > 0) {
    let out = text;
    for (const member of existing.reverse()) out = out.slice(0, member.valueStart) + encoded + out.slice(member.valueEnd);
    return out;
  }
  const field = `${JSON.stringify(key)}: ${encoded}`;
  const anchor = members.find((member) => member.key === after) ?? members.at(-1);
  if (anchor === undefined) {
    const closeIndent = lineIndent(text, close) ?? "";
    return `${text.slice(0, open + 1)}\n${closeIndent}  ${field}\n${closeIndent}${text.slice(close)}`;
  }
  const indent = lineIndent(text, anchor.keyStart);
  const insertion = indent === undefined ? `, ${field}` : `,\n${indent}${field}`;
  return text.slice(0, anchor.valueEnd) + insertion + text.slice(anchor.valueEnd);
}
