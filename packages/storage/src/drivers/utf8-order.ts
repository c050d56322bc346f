/**
 * Durable Object storage orders keys by their UTF-8 bytes (code point order); every other driver,
 * and the engine, order them by UTF-16 code unit. The two differ for U+E000-U+FFFF against
 * characters above U+FFFF (`"\uffff" > "😀"` in UTF-16, `<` in UTF-8). `toUtf8Order` rewrites a
 * well-formed key so that byte order is its UTF-16 order:
 *
 * - U+0000-U+D7FF: unchanged (most keys are stored as they are);
 * - a character above U+FFFF: U+E000, then the character;
 * - U+E000-U+FFFF: U+E001, then the character.
 *
 * Each character maps to a fixed code word, the words are prefix-free and in UTF-16 order, so
 * key order, prefixes and `start` bounds carry over.
 */
const ABOVE_BMP = "\ue000";
const HIGH_BMP = "\ue001";
const NEEDS_REWRITE = /[\ud800-\uffff]/;

/** The stored form of a well-formed `key` (see the module comment). */
export function toUtf8Order(key: string): string {
  if (!NEEDS_REWRITE.test(key)) return key;
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0xd800) out += key[i];
    else if (c < 0xdc00) out += ABOVE_BMP + key.slice(i, ++i + 1); // the pair
    else out += HIGH_BMP + key[i];
  }
  return out;
}

/** The key whose stored form is `stored`. */
export function fromUtf8Order(stored: string): string {
  if (!NEEDS_REWRITE.test(stored)) return stored;
  let out = "";
  for (let i = 0; i < stored.length; i++) {
    const c = stored[i] as string;
    if (c === ABOVE_BMP) (out += stored.slice(i + 1, i + 3)), (i += 2);
    else if (c === HIGH_BMP) out += stored[++i];
    else out += c;
  }
  return out;
}

/**
 * The longest start of `text` without a lone surrogate: a scan's `prefix` or `start` may cut a
 * pair in two, and its stored form is then a bound to filter within, not an exact one.
 */
export function wellFormedHead(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) i++;
    else return text.slice(0, i);
  }
  return text;
}
