import { describeValue } from "./describe-value.ts";
import type { RawIssue } from "./issues.ts";
import { MAX_MANIFEST_BYTES, MAX_MANIFEST_DEPTH } from "./manifest-limits.ts";
import { textTooDeep, utf8Length, walkValue } from "./measure.ts";
import { isJsonObject } from "./valibot-helpers.ts";

/** The manifest as a fresh JSON object, or the one issue that stopped reading it. */
export type ReadResult =
  | { readonly ok: true; readonly value: Record<string, unknown>; /** The JSON text `value` was parsed from (BOM removed). */ readonly text: string }
  | { readonly ok: false; readonly issue: RawIssue };

const TOO_LARGE = `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes (64 KiB), the most accepted. Keep plugin.json small: move large data out of "config" into the plugin's own storage.`;
const TOO_DEEP = `the manifest nests objects and arrays more than ${MAX_MANIFEST_DEPTH} levels deep (or refers to itself), the most accepted. Flatten "config".`;

function refuse(message: string): ReadResult {
  return { ok: false, issue: { segments: [], message } };
}

function isBytes(input: unknown): input is Uint8Array | ArrayBuffer {
  return input instanceof Uint8Array || input instanceof ArrayBuffer || Object.prototype.toString.call(input) === "[object Uint8Array]";
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line} column ${position - before.lastIndexOf("\n")}`;
}

/**
 * JSON.parse's reason without what V8 quotes of the text (`Unexpected token 'r', "root:x:0:0"...
 * is not valid JSON`): a manifest error never shows the file's contents.
 */
function parseReason(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return reason.replace(/, ".*"(?:\.\.\.)? is not valid JSON$/su, "").replace(/^Unexpected token '.*?'/su, "Unexpected character");
}

/**
 * Where JSON.parse stopped, when its message does not say (V8's "Unexpected token" messages quote
 * the text instead): the shortest prefix that fails for a reason other than ending too soon.
 */
function failingPosition(text: string): number | undefined {
  const failsInside = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return !(error instanceof Error && error.message.startsWith("Unexpected end of JSON input"));
    }
  };
  if (!failsInside(text.length)) return undefined;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (failsInside(mid)) high = mid;
    else low = mid + 1;
  }
  return Math.max(0, low - 1);
}

function jsonError(text: string, error: unknown): string {
  const reason = parseReason(error);
  const position = /position (\d+)/.exec(reason)?.[1] ?? failingPosition(text)?.toString();
  const where = position === undefined || /line \d+/.test(reason) ? "" : ` (${lineAndColumn(text, Number(position))})`;
  const pathHint = /^\s*[{[]/.test(text) ? "" : " Pass the file's contents, not its path.";
  return `the manifest is not valid JSON: ${reason}${where}. Check for a missing comma or quote, a trailing comma, or a comment.${pathHint}`;
}

/** Text of a string or bytes input, size-checked. */
function textOf(input: string | Uint8Array | ArrayBuffer): { text: string } | { message: string } {
  if (typeof input === "string") {
    return utf8Length(input, MAX_MANIFEST_BYTES) > MAX_MANIFEST_BYTES ? { message: TOO_LARGE } : { text: input };
  }
  if (input.byteLength > MAX_MANIFEST_BYTES) return { message: TOO_LARGE };
  // Browsers refuse to decode views of shared memory: copy those first.
  const shared = typeof SharedArrayBuffer !== "undefined" && ArrayBuffer.isView(input) && input.buffer instanceof SharedArrayBuffer;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(shared ? input.slice() : input) };
  } catch {
    return { message: "the manifest is not valid UTF-8 text: save plugin.json as UTF-8." };
  }
}

/** JSON text of an already-parsed value, depth- and size-checked before `JSON.stringify` runs. */
function stringify(input: unknown): { text: string } | { message: string } {
  const walked = walkValue(input, MAX_MANIFEST_DEPTH, MAX_MANIFEST_BYTES);
  if (walked === "too_deep") return { message: TOO_DEEP };
  if (walked === "too_large") return { message: TOO_LARGE };
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (error) {
    return { message: `the manifest cannot be written as JSON (${error instanceof Error ? error.message : String(error)}): pass plain JSON data.` };
  }
  if (text === undefined) return { message: `the manifest must be a JSON object such as {"name": "my_plugin", "version": "1.0.0"}; got ${describeValue(input)}.` };
  return utf8Length(text, MAX_MANIFEST_BYTES) > MAX_MANIFEST_BYTES ? { message: TOO_LARGE } : { text };
}

/** The manifest's JSON text (BOM removed), or why it cannot be read: over {@link MAX_MANIFEST_BYTES}, too deep, not JSON text or data. */
export function manifestText(input: unknown): { readonly text: string } | { readonly issue: RawIssue } {
  const read = typeof input === "string" || isBytes(input) ? textOf(input) : stringify(input);
  if ("message" in read) return { issue: { segments: [], message: read.message } };
  return { text: read.text.startsWith("\uFEFF") ? read.text.slice(1) : read.text };
}

/** Parses manifest text (from {@link manifestText}) into a fresh JSON object, refusing text nested deeper than {@link MAX_MANIFEST_DEPTH}, not JSON, or not an object. */
export function parseManifestText(text: string): ReadResult {
  if (textTooDeep(text, MAX_MANIFEST_DEPTH)) return refuse(TOO_DEEP);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse(jsonError(text, error));
  }
  if (!isJsonObject(value)) {
    return refuse(`the manifest must be a JSON object such as {"name": "my_plugin", "version": "1.0.0"}; got ${describeValue(value)}.`);
  }
  return { ok: true, value, text };
}

/**
 * Turns any input (JSON text, UTF-8 bytes or an already-parsed value) into a fresh JSON object,
 * refusing inputs over {@link MAX_MANIFEST_BYTES}, deeper than {@link MAX_MANIFEST_DEPTH},
 * not JSON, or not an object. Objects go through JSON text too, so the result never shares
 * references with the input and holds only JSON values.
 */
export function readManifestInput(input: unknown): ReadResult {
  const read = manifestText(input);
  return "issue" in read ? { ok: false, issue: read.issue } : parseManifestText(read.text);
}
