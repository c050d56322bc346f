// Words for phrase detection: text split into segments (runs of words between punctuation), each
// a list of lowercased words. N-grams never cross a segment, so "end. Start" is not a phrase.
// (The character classes are the same as examples/memory-analyzer's; each example stands alone.)

function isDigit(cp: i32): bool {
  return cp >= 0x30 && cp <= 0x39;
}

export function isSpace(cp: i32): bool {
  return (
    cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff
  );
}

/** Letters, digits and combining marks; not punctuation, symbols or emoji. */
export function isWordChar(cp: i32): bool {
  if (cp < 0x80) return isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  if (cp < 0xc0) return cp == 0xaa || cp == 0xb5 || cp == 0xba;
  if (cp == 0xd7 || cp == 0xf7) return false;
  if (cp >= 0x2000 && cp <= 0x2bff) return false;
  if (cp >= 0x2e00 && cp <= 0x2e7f) return false;
  if (cp >= 0x3000 && cp <= 0x303f) return false;
  if (cp >= 0xfe00 && cp <= 0xfe0f) return false;
  if (cp >= 0xfe30 && cp <= 0xfe6f) return false;
  if (cp >= 0xff00 && cp <= 0xff0f) return false;
  if (cp >= 0xff1a && cp <= 0xff20) return false;
  if (cp >= 0xff3b && cp <= 0xff40) return false;
  if (cp >= 0xff5b && cp <= 0xff65) return false;
  if (cp == 0xfeff || cp == 0xfffd) return false;
  if (cp >= 0x1f000 && cp <= 0x1faff) return false;
  if (cp >= 0xe0000) return false;
  return true;
}

function isJoiner(cp: i32): bool {
  return cp == 0x27 || cp == 0x2019 || cp == 0x2d || cp == 0x2010 || cp == 0x2011;
}

/** The text as segments of lowercased words (’ normalised to '). */
export function segmentsOf(text: string): Array<Array<string>> {
  const segments = new Array<Array<string>>();
  let current = new Array<string>();
  const n = text.length;
  let start = -1;
  let i = 0;
  while (i < n) {
    const cp = text.codePointAt(i);
    const w = cp >= 0x10000 ? 2 : 1;
    if (isWordChar(cp)) {
      if (start < 0) start = i;
      i += w;
      continue;
    }
    if (start >= 0 && i + w < n) {
      const next = text.codePointAt(i + w);
      if ((isJoiner(cp) && isWordChar(next)) || ((cp == 0x2e || cp == 0x2c) && isDigit(next) && isDigit(text.charCodeAt(i - 1)))) {
        i += w;
        continue;
      }
    }
    if (start >= 0) {
      current.push(normalize(text.substring(start, i)));
      start = -1;
    }
    if (!isSpace(cp) && current.length > 0) {
      // Punctuation or a symbol ends the segment.
      segments.push(current);
      current = new Array<string>();
    }
    i += w;
  }
  if (start >= 0) current.push(normalize(text.substring(start, n)));
  if (current.length > 0) segments.push(current);
  return segments;
}

function normalize(word: string): string {
  const lower = word.toLowerCase();
  return lower.includes("\u2019") ? lower.replaceAll("\u2019", "'") : lower;
}

/** True when the word has a character other than digits and the `.` `,` that join them. */
export function hasLetter(word: string): bool {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (!isDigit(c) && c != 0x2e && c != 0x2c) return true;
  }
  return false;
}

/** Phrases made only of these words ("of the", "and then it") are not reported. */
const STOP_WORDS: string[] = [
  "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been",
  "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her",
  "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "more", "my", "no", "not", "now",
  "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "she", "so", "some", "such", "than", "that",
  "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "very", "was", "we",
  "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you", "your",
];

let stopSet: Set<string> | null = null;

export function isStopWord(word: string): bool {
  let set = stopSet;
  if (set === null) {
    set = new Set<string>();
    for (let i = 0; i < STOP_WORDS.length; i++) set.add(STOP_WORDS[i]);
    stopSet = set;
  }
  return set.has(word);
}
