import { HostFailure } from "../host-types.ts";

/** Default and largest number of records a query, read or list returns. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** The limit to use: `limit` (1–1000) or the default; anything else is `bad_request`. */
export function checkLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) throw new HostFailure("bad_request", `limit must be an integer from 1 to ${MAX_LIMIT}; got ${value}`);
  return value;
}

/** Largest content of one memory or thread entry, in UTF-8 bytes (256 KiB). */
export const MAX_CONTENT_BYTES = 256 * 1024;

/** Number of UTF-8 bytes `text` encodes to, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Throws `too_large` when `text` is over `max` UTF-8 bytes. */
export function checkTextSize(what: string, text: string, max = MAX_CONTENT_BYTES): void {
  if (text.length * 3 <= max) return; // cannot be over: skip counting
  const bytes = utf8Length(text);
  if (bytes > max) throw new HostFailure("too_large", `${what} is ${bytes} bytes of UTF-8; at most ${max} are allowed`);
}

/**
 * A fresh, deeply frozen copy of a JSON value (`JSON.parse` keeps `__proto__` keys as own data),
 * refused with `too_large` when its JSON text is over `max` characters and `bad_request` when it
 * is not JSON.
 */
export function copyJson(what: string, value: unknown, max: number): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new HostFailure("bad_request", `${what} is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (text === undefined) return null;
  if (text.length > max) throw new HostFailure("too_large", `${what} is ${text.length} characters of JSON; at most ${max} are allowed`);
  return deepFreeze(JSON.parse(text));
}

function deepFreeze(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
