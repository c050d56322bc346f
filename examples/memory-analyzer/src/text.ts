// Text scanning for memory-analyzer: words, sentences and term counts, Unicode-aware enough for
// prose in Latin, Greek, Cyrillic and CJK scripts (no regular expressions in AssemblyScript).

/** What scanText found. */
export class TextScan {
  /** The words, in order, as written (case kept; ’ normalised to '). */
  words: string[] = [];
  sentences: i32 = 0;
}

export function isSpace(cp: i32): bool {
  return (
    cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff
  );
}

function isDigit(cp: i32): bool {
  return cp >= 0x30 && cp <= 0x39;
}

/**
 * Letters, digits and combining marks. ASCII and Latin-1 punctuation, general punctuation,
 * symbols, arrows, box drawing, CJK punctuation, fullwidth punctuation and emoji are not.
 */
export function isWordChar(cp: i32): bool {
  if (cp < 0x80) return isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  if (cp < 0xc0) return cp == 0xaa || cp == 0xb5 || cp == 0xba;
  if (cp == 0xd7 || cp == 0xf7) return false;
  if (cp >= 0x2000 && cp <= 0x2bff) return false; // punctuation, symbols, arrows, math, shapes, dingbats
  if (cp >= 0x2e00 && cp <= 0x2e7f) return false; // supplemental punctuation
  if (cp >= 0x3000 && cp <= 0x303f) return false; // CJK symbols and punctuation
  if (cp >= 0xfe00 && cp <= 0xfe0f) return false; // variation selectors
  if (cp >= 0xfe30 && cp <= 0xfe6f) return false; // CJK compatibility forms, small forms
  if (cp >= 0xff00 && cp <= 0xff0f) return false; // fullwidth punctuation
  if (cp >= 0xff1a && cp <= 0xff20) return false;
  if (cp >= 0xff3b && cp <= 0xff40) return false;
  if (cp >= 0xff5b && cp <= 0xff65) return false;
  if (cp == 0xfeff || cp == 0xfffd) return false;
  if (cp >= 0x1f000 && cp <= 0x1faff) return false; // emoji and pictographs
  if (cp >= 0xe0000) return false; // tags, private use
  return true;
}

/** Joins two word characters into one word: apostrophes (don't, l’été) and hyphens (well-known). */
function isJoiner(cp: i32): bool {
  return cp == 0x27 || cp == 0x2019 || cp == 0x2d || cp == 0x2010 || cp == 0x2011;
}

/** Ends a sentence when followed by a space or the end: . ! ? … ‼ ⁇ ⁈ ⁉ */
function isTerminator(cp: i32): bool {
  return cp == 0x2e || cp == 0x21 || cp == 0x3f || cp == 0x2026 || cp == 0x203c || (cp >= 0x2047 && cp <= 0x2049) || isWideTerminator(cp);
}

/** CJK terminators end a sentence without a following space: 。！？ */
function isWideTerminator(cp: i32): bool {
  return cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == 0xff0e;
}

/** Closing quotes and brackets that may follow a terminator: ) ] } " ' ” ’ » 」 』 */
function isCloser(cp: i32): bool {
  return cp == 0x29 || cp == 0x5d || cp == 0x7d || cp == 0x22 || cp == 0x27 || cp == 0x201d || cp == 0x2019 || cp == 0xbb || cp == 0x300d || cp == 0x300f;
}

function codePoint(text: string, i: i32): i32 {
  return text.codePointAt(i);
}

function width(cp: i32): i32 {
  return cp >= 0x10000 ? 2 : 1;
}

/** ’ (U+2019) becomes ', so "don’t" and "don't" are one term. */
function normalizeWord(word: string): string {
  return word.includes("\u2019") ? word.replaceAll("\u2019", "'") : word;
}

/**
 * Splits `text` into words and counts its sentences.
 * - A word is a run of letters/digits (see isWordChar); an apostrophe or hyphen between two
 *   word characters joins them, and so does `.` or `,` between two digits (3.14, 1,000).
 * - A sentence ends at . ! ? … (and CJK 。！？) followed by a space or the end of the text,
 *   after any closing quotes or brackets; text after the last terminator counts as a sentence
 *   when it has a word. Abbreviations such as "e.g. this" count as a sentence end.
 */
export function scanText(text: string): TextScan {
  const out = new TextScan();
  const n = text.length;
  let start = -1; // start of the word being read, or -1
  let wordsInSentence = 0;
  let i = 0;
  while (i < n) {
    const cp = codePoint(text, i);
    const w = width(cp);
    if (isWordChar(cp)) {
      if (start < 0) start = i;
      i += w;
      continue;
    }
    if (start >= 0 && i + w < n) {
      const next = codePoint(text, i + w);
      const joins = (isJoiner(cp) && isWordChar(next)) || ((cp == 0x2e || cp == 0x2c) && isDigit(next) && isDigit(codePoint(text, i - 1)));
      if (joins) {
        i += w;
        continue;
      }
    }
    if (start >= 0) {
      out.words.push(normalizeWord(text.substring(start, i)));
      start = -1;
      wordsInSentence++;
    }
    if (isTerminator(cp)) {
      let j = i + w;
      while (j < n) {
        const c = codePoint(text, j);
        if (!isTerminator(c) && !isCloser(c)) break;
        j += width(c);
      }
      const ends = j >= n || isSpace(codePoint(text, j)) || isWideTerminator(cp);
      if (ends && wordsInSentence > 0) {
        out.sentences++;
        wordsInSentence = 0;
      }
      i = j;
      continue;
    }
    i += w;
  }
  if (start >= 0) {
    out.words.push(normalizeWord(text.substring(start, n)));
    wordsInSentence++;
  }
  if (wordsInSentence > 0) out.sentences++;
  return out;
}

/** True when the word has a character other than digits and the `.` `,` that join them. */
export function hasLetter(word: string): bool {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (!isDigit(c) && c != 0x2e && c != 0x2c) return true;
  }
  return false;
}

/** Number of Unicode code points (what a reader calls characters; emoji count once). */
export function codePointLength(text: string): i32 {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** A term and how often it occurs. */
export class TermCount {
  constructor(
    public term: string,
    public count: i32,
  ) {}
}

/** Most frequent first; ties in alphabetical (UTF-16 code unit) order. */
function byCountThenTerm(a: TermCount, b: TermCount): i32 {
  if (a.count != b.count) return b.count - a.count;
  if (a.term < b.term) return -1;
  if (a.term > b.term) return 1;
  return 0;
}

/**
 * Counts lowercased terms, skipping stop words, words shorter than `minLength` code points and
 * numbers. Returns every distinct term, most frequent first, ties alphabetically.
 */
export function countTerms(words: string[], stopWords: Set<string>, minLength: i32): TermCount[] {
  const counts = new Map<string, i32>();
  for (let i = 0; i < words.length; i++) {
    const term = words[i].toLowerCase();
    if (stopWords.has(term) || codePointLength(term) < minLength || !hasLetter(term)) continue;
    counts.set(term, counts.has(term) ? counts.get(term) + 1 : 1);
  }
  const terms = counts.keys();
  const out = new Array<TermCount>(terms.length);
  for (let i = 0; i < terms.length; i++) out[i] = new TermCount(terms[i], counts.get(terms[i]));
  out.sort(byCountThenTerm);
  return out;
}

/**
 * English stop words: the default of config `stop_words` (plugin.json has the same list; this
 * copy is used when the config cannot be read, e.g. without `config:read`).
 */
export const DEFAULT_STOP_WORDS: string[] = [
  "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
  "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
  "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
  "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
  "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "must", "my", "myself",
  "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
  "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
  "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
  "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
  "you", "your", "yours", "yourself", "yourselves",
  "aren't", "can't", "didn't", "doesn't", "don't", "i'd", "i'll", "i'm", "i've", "isn't", "it's", "let's", "that's",
  "there's", "they're", "they've", "wasn't", "we'll", "we're", "we've", "weren't", "won't", "you'll", "you're", "you've",
];
