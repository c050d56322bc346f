// The recogniser: walks JSON data (or a thread's entries), collects texts, object keys and
// shapes, and timestamp series, then turns what recurs into patterns
// `{"kind", "description", "evidence", "count"}`.
import { Json, JsonKind, JsonObject, JsonValue } from "@threadspace/pdk-as";
import { humanDuration, parseIsoDate } from "./dates";
import { hasLetter, isStopWord, segmentsOf } from "./text";

export const KIND_PHRASE = "repeated_phrase";
export const KIND_KEY = "recurring_key";
export const KIND_SHAPE = "value_shape";
export const KIND_PERIODIC = "periodic_timestamps";

/** Tuning (config keys of the same names, snake_case). */
export class Settings {
  minOccurrences: i32 = 2;
  minPhraseWords: i32 = 2;
  maxPhraseWords: i32 = 4;
  periodTolerance: f64 = 0.05;
  minPeriodSamples: i32 = 3;
  maxPatterns: i32 = 50;
  maxEntries: i32 = 1000;
  phrases: bool = true;
  keys: bool = true;
  shapes: bool = true;
  timestamps: bool = true;
}

/** One recognised pattern. */
export class Pattern {
  constructor(
    public kind: string,
    public description: string,
    public evidence: JsonObject,
    public count: i32,
  ) {}

  toJson(): JsonObject {
    return new JsonObject().set("kind", this.kind).set("description", this.description).set("evidence", this.evidence).set("count", this.count);
  }
}

const MAX_LOCATIONS = 5;

function kindRank(kind: string): i32 {
  if (kind == KIND_PHRASE) return 0;
  if (kind == KIND_KEY) return 1;
  if (kind == KIND_SHAPE) return 2;
  return 3;
}

/** By kind (phrases, keys, shapes, timestamps), then most frequent, then description. */
function byKindCountDescription(a: Pattern, b: Pattern): i32 {
  const ka = kindRank(a.kind);
  const kb = kindRank(b.kind);
  if (ka != kb) return ka - kb;
  if (a.count != b.count) return b.count - a.count;
  if (a.description < b.description) return -1;
  if (a.description > b.description) return 1;
  return 0;
}

export function typeName(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.Null:
      return "null";
    case JsonKind.Bool:
      return "boolean";
    case JsonKind.Number:
      return "number";
    case JsonKind.String:
      return "string";
    case JsonKind.Array:
      return "array";
    default:
      return "object";
  }
}

function isIdentifier(key: string): bool {
  if (key.length == 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x24;
    if (!letter && !(i > 0 && c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

/** `path` + member `key`: `$.a`, `$["odd key"]`. */
export function memberPath(path: string, key: string): string {
  return isIdentifier(key) ? path + "." + key : path + "[" + Json.quote(key) + "]";
}

/**
 * Whether numbers under `key` are times: at, ts, t, when, *At, *_at, *_ts, or anything with
 * time, date, stamp or tick in it (any case).
 */
function isTimeKey(key: string): bool {
  if (key.length == 0) return false;
  const k = key.toLowerCase();
  if (k == "at" || k == "ts" || k == "t" || k == "when") return true;
  if (k.includes("time") || k.includes("date") || k.includes("stamp") || k.includes("tick")) return true;
  if (k.endsWith("_at") || k.endsWith("-at") || k.endsWith("_ts")) return true;
  return key.length > 2 && key.endsWith("At");
}

/** A timestamp sample: its value in the series' unit, and the JSON it came from. */
class Sample {
  constructor(
    public value: f64,
    public raw: JsonValue,
  ) {}
}

function bySampleValue(a: Sample, b: Sample): i32 {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Values at one (normalised) path in one unit: "ms" (ISO dates, epoch ms), "s" (epoch seconds) or "" (plain numbers). */
class Series {
  samples: Sample[] = [];
  constructor(
    public path: string,
    public unit: string,
    public source: string,
  ) {}
}

/** Phrases seen at least twice: where (up to MAX_LOCATIONS distinct texts, as indices into Recognizer.textLocations). */
class PhraseSeen {
  texts: i32[] = [];
}

class KeyStat {
  objects: i32 = 0;
  paths: string[] = [];
  types: Map<string, i32> = new Map<string, i32>();
  typeOrder: string[] = [];
}

class ShapeStat {
  objects: i32 = 0;
  paths: string[] = [];
  shape: JsonObject = new JsonObject();
  display: string = "";
}

function addUnique(list: string[], item: string, max: i32): void {
  if (list.length < max && !list.includes(item)) list.push(item);
}

export class Recognizer {
  // Phrases. Most n-grams occur once, so each costs only its key (two code units per word id)
  // and two numbers; where a phrase was seen is kept from its second occurrence on.
  phraseIndex: Map<string, i32> = new Map<string, i32>();
  phraseKeys: string[] = [];
  phraseCounts: i32[] = [];
  phraseFirstText: i32[] = [];
  phraseSeen: Map<i32, PhraseSeen> = new Map<i32, PhraseSeen>();
  /** The location of every text scanned for phrases, by text index. */
  textLocations: string[] = [];
  // Keys and shapes over every object.
  keyStats: Map<string, KeyStat> = new Map<string, KeyStat>();
  keyOrder: string[] = [];
  shapeStats: Map<string, ShapeStat> = new Map<string, ShapeStat>();
  shapeOrder: string[] = [];
  // Timestamp series by "<path> <unit>".
  series: Map<string, Series> = new Map<string, Series>();
  seriesOrder: string[] = [];
  /** Texts and objects seen, for the health metrics. */
  texts: i32 = 0;
  objects: i32 = 0;

  constructor(public settings: Settings) {}

  // -------------------------------------------------------------------------------------------
  // Collecting

  // The concrete location of the value being walked, as a stack of segments: a member name
  // (index -1) or an array index. Materialised only for texts (see location()).
  private segKeys: string[] = [];
  private segIndex: i32[] = [];
  /** Normalised member paths, memoised: path -> key -> memberPath(path, key). */
  private memberPaths: Map<string, Map<string, string>> = new Map<string, Map<string, string>>();
  /** Set by scanThread-like callers: the root of concrete locations ("$"). */
  root: string = "$";

  /** The concrete path of the value being walked, e.g. `$.items[2].note`. */
  location(): string {
    const parts = new Array<string>();
    parts.push(this.root);
    for (let i = 0; i < this.segKeys.length; i++) {
      const index = this.segIndex[i];
      parts.push(index >= 0 ? "[" + index.toString() + "]" : memberPath("", this.segKeys[i]));
    }
    return parts.join("");
  }

  private normalizedMember(path: string, key: string): string {
    let byKey: Map<string, string>;
    if (this.memberPaths.has(path)) {
      byKey = this.memberPaths.get(path);
    } else {
      byKey = new Map<string, string>();
      this.memberPaths.set(path, byKey);
    }
    if (byKey.has(key)) return byKey.get(key);
    const p = memberPath(path, key);
    byKey.set(key, p);
    return p;
  }

  /**
   * Walks a JSON value found at `root` (a concrete path such as `$` or `$.entries[3].content`).
   * `path` is its normalised path (array indices as `[*]`), `key` the member name it is under.
   */
  walkRoot(v: JsonValue, root: string, path: string, key: string): void {
    this.root = root;
    this.segKeys.length = 0;
    this.segIndex.length = 0;
    this.walk(v, path, key);
  }

  /** Walks a value: `path` is normalised (`$.items[*].name`), `key` the member name it is under (for an array element, the array's). */
  private walk(v: JsonValue, path: string, key: string): void {
    switch (v.kind) {
      case JsonKind.String: {
        const text = v.asString();
        const date = parseIsoDate(text);
        if (date.ok) this.addSample(path, "ms", "ISO dates", <f64>date.ms, v);
        else if (this.settings.phrases) this.addText(text, this.location());
        else this.texts++;
        break;
      }
      case JsonKind.Number:
        this.addNumber(v, path, key);
        break;
      case JsonKind.Array: {
        const n = v.length;
        const elements = path + "[*]";
        this.segKeys.push("");
        this.segIndex.push(0);
        const top = this.segIndex.length - 1;
        for (let i = 0; i < n; i++) {
          this.segIndex[top] = i;
          this.walk(v.at(i), elements, key);
        }
        this.segKeys.pop();
        this.segIndex.pop();
        break;
      }
      case JsonKind.Object: {
        const keys = v.keys();
        this.addObject(v, keys, path);
        this.segKeys.push("");
        this.segIndex.push(-1);
        const top = this.segKeys.length - 1;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (keys.lastIndexOf(k) != i) continue; // a repeated member: the last one counts, as in JSON.parse
          this.segKeys[top] = k;
          this.walk(v.get(k), this.normalizedMember(path, k), k);
        }
        this.segKeys.pop();
        this.segIndex.pop();
        break;
      }
      default:
        break;
    }
  }

  /** A thread entry time (milliseconds since the epoch). */
  addEntryTime(at: i64, path: string): void {
    this.addSample(path, "ms", "thread entry times", <f64>at, JsonValue.integer(at));
  }

  addNumber(v: JsonValue, path: string, key: string): void {
    if (!this.settings.timestamps) return;
    const n = v.asNumber();
    const timeKey = isTimeKey(key);
    if (n >= 1e12 && n < 1e13) {
      // 13 digits: epoch milliseconds (2001-2286), whatever the key.
      this.addSample(path, "ms", "epoch milliseconds", n, v);
    } else if (timeKey && n >= 1e9 && n < 1e10) {
      this.addSample(path, "s", "epoch seconds", n, v);
    } else if (timeKey) {
      this.addSample(path, "", "numbers", n, v);
    }
  }

  addSample(path: string, unit: string, source: string, value: f64, raw: JsonValue): void {
    if (!this.settings.timestamps) return;
    const id = path + " " + unit;
    let s: Series;
    if (this.series.has(id)) {
      s = this.series.get(id);
    } else {
      s = new Series(path, unit, source);
      this.series.set(id, s);
      this.seriesOrder.push(id);
    }
    s.samples.push(new Sample(value, raw));
  }

  // Words, interned: phrase keys are short strings of word ids rather than the words themselves.
  private wordIds: Map<string, i32> = new Map<string, i32>();
  private words: string[] = [];
  private wordStop: bool[] = [];
  private wordLetters: bool[] = [];

  private wordId(word: string): i32 {
    if (this.wordIds.has(word)) return this.wordIds.get(word);
    const id = this.words.length;
    this.wordIds.set(word, id);
    this.words.push(word);
    this.wordStop.push(isStopWord(word));
    this.wordLetters.push(hasLetter(word));
    return id;
  }

  /** A phrase key (two code units per word id) as text. */
  phraseText(key: string): string {
    const parts = new Array<string>(key.length >> 1);
    for (let i = 0; i < parts.length; i++) {
      const id = (<i32>key.charCodeAt(2 * i) << 16) | <i32>key.charCodeAt(2 * i + 1);
      parts[i] = this.words[id];
    }
    return parts.join(" ");
  }

  addText(text: string, location: string): void {
    this.texts++;
    if (!this.settings.phrases) return;
    const min = this.settings.minPhraseWords;
    const max = this.settings.maxPhraseWords;
    const segments = segmentsOf(text);
    let textIndex = -1;
    const units = new Array<i32>();
    for (let s = 0; s < segments.length; s++) {
      const segment = segments[s];
      const n = segment.length;
      if (n < min) continue;
      if (textIndex < 0) {
        textIndex = this.textLocations.length;
        this.textLocations.push(location);
      }
      const ids = new Array<i32>(n);
      for (let i = 0; i < n; i++) ids[i] = this.wordId(segment[i]);
      for (let i = 0; i < n; i++) {
        let allStop = true;
        let letters = false;
        units.length = 0;
        for (let len = 1; len <= max && i + len <= n; len++) {
          const id = ids[i + len - 1];
          if (!this.wordStop[id]) allStop = false;
          if (this.wordLetters[id]) letters = true;
          units.push(id >>> 16);
          units.push(id & 0xffff);
          if (len < min || allStop || !letters) continue;
          this.countPhrase(String.fromCharCodes(units), textIndex);
        }
      }
    }
  }

  private countPhrase(key: string, textIndex: i32): void {
    if (!this.phraseIndex.has(key)) {
      this.phraseIndex.set(key, this.phraseKeys.length);
      this.phraseKeys.push(key);
      this.phraseCounts.push(1);
      this.phraseFirstText.push(textIndex);
      return;
    }
    const p = this.phraseIndex.get(key);
    const count = this.phraseCounts[p] + 1;
    this.phraseCounts[p] = count;
    let seen: PhraseSeen;
    if (count == 2) {
      seen = new PhraseSeen();
      seen.texts.push(this.phraseFirstText[p]);
      this.phraseSeen.set(p, seen);
    } else {
      seen = this.phraseSeen.get(p);
    }
    const texts = seen.texts;
    if (texts.length < MAX_LOCATIONS && texts[texts.length - 1] != textIndex && !texts.includes(textIndex)) texts.push(textIndex);
  }

  /** Shape statistics by an object's document-order signature (cheap to build), for reuse. */
  private shapeByDocOrder: Map<string, ShapeStat> = new Map<string, ShapeStat>();

  addObject(v: JsonValue, keys: string[], path: string): void {
    this.objects++;
    if (keys.length == 0) return;
    // The members that count: the last of each name (as JSON.parse keeps).
    const sig = new Array<string>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (keys.lastIndexOf(k) != i) continue;
      const t = typeName(v.get(k));
      if (this.settings.keys) this.countKey(k, t, path);
      if (this.settings.shapes) {
        sig.push(k);
        sig.push(t);
      }
    }
    if (this.settings.shapes) this.countShape(sig, path);
  }

  private countKey(k: string, t: string, path: string): void {
    let stat: KeyStat;
    if (this.keyStats.has(k)) {
      stat = this.keyStats.get(k);
    } else {
      stat = new KeyStat();
      this.keyStats.set(k, stat);
      this.keyOrder.push(k);
    }
    stat.objects++;
    addUnique(stat.paths, path, MAX_LOCATIONS);
    if (stat.types.has(t)) {
      stat.types.set(t, stat.types.get(t) + 1);
    } else {
      stat.types.set(t, 1);
      stat.typeOrder.push(t);
    }
  }

  /** `pairs`: key, type, key, type, ... in document order. Objects with the same keys and types in any order share a shape. */
  private countShape(pairs: string[], path: string): void {
    // A cache key; a name holding U+0000 could make two key lists look alike, so those skip the cache.
    const docOrder = pairs.join("\u0000");
    let cacheable = true;
    for (let j = 0; j < pairs.length; j += 2) if (pairs[j].includes("\u0000")) cacheable = false;
    let stat: ShapeStat;
    if (cacheable && this.shapeByDocOrder.has(docOrder)) {
      stat = this.shapeByDocOrder.get(docOrder);
    } else {
      const names = new Array<string>();
      for (let i = 0; i < pairs.length; i += 2) names.push(pairs[i]);
      names.sort((a: string, b: string): i32 => (a < b ? -1 : a > b ? 1 : 0));
      const shape = new JsonObject();
      const display = new Array<string>();
      for (let i = 0; i < names.length; i++) {
        let t = "";
        for (let j = 0; j < pairs.length; j += 2) if (pairs[j] == names[i]) t = pairs[j + 1];
        shape.set(names[i], t);
        display.push((isIdentifier(names[i]) ? names[i] : Json.quote(names[i])) + ": " + t);
      }
      const signature = shape.toString();
      if (this.shapeStats.has(signature)) {
        stat = this.shapeStats.get(signature);
      } else {
        stat = new ShapeStat();
        stat.shape = shape;
        stat.display = "{" + display.join(", ") + "}";
        this.shapeStats.set(signature, stat);
        this.shapeOrder.push(signature);
      }
      if (cacheable) this.shapeByDocOrder.set(docOrder, stat);
    }
    stat.objects++;
    addUnique(stat.paths, path, MAX_LOCATIONS);
  }

  // -------------------------------------------------------------------------------------------
  // Patterns

  /** Every pattern found, sorted, at most settings.maxPatterns. `total` gets how many there were. */
  patterns(): Pattern[] {
    const out = new Array<Pattern>();
    if (this.settings.phrases) this.phrasePatterns(out);
    if (this.settings.keys) this.keyPatterns(out);
    if (this.settings.shapes) this.shapePatterns(out);
    if (this.settings.timestamps) this.periodicPatterns(out);
    out.sort(byKindCountDescription);
    this.total = out.length;
    const max = this.settings.maxPatterns;
    if (out.length <= max) return out;
    // Too many: take the most frequent of each kind in turn, so that one kind (usually phrases)
    // cannot crowd out the others, then keep the usual order.
    const starts = new Array<i32>(5);
    for (let k = 0, i = 0; k < 4; k++) {
      starts[k] = i;
      while (i < out.length && kindRank(out[i].kind) == k) i++;
    }
    starts[4] = out.length;
    const taken = new Array<i32>(4).fill(0);
    const picked = new Array<Pattern>();
    while (picked.length < max) {
      for (let k = 0; k < 4 && picked.length < max; k++) {
        const i = starts[k] + taken[k];
        if (i < starts[k + 1]) {
          picked.push(out[i]);
          taken[k]++;
        }
      }
    }
    picked.sort(byKindCountDescription);
    return picked;
  }
  total: i32 = 0;

  /**
   * N-grams seen at least minOccurrences times. A phrase inside a longer reported phrase with the
   * same count is left out ("quick brown" when "the quick brown fox" occurs as often).
   */
  phrasePatterns(out: Pattern[]): void {
    const min = this.settings.minOccurrences;
    const covered = new Set<string>();
    const keys = this.phraseKeys;
    const counts = this.phraseCounts;
    for (let p = 0; p < keys.length; p++) {
      const count = counts[p];
      const key = keys[p];
      if (count < min || key.length >> 1 <= this.settings.minPhraseWords) continue;
      // Its prefix and suffix one word shorter (two code units per word): covered when they
      // occur exactly as often.
      const prefix = key.substring(0, key.length - 2);
      const suffix = key.substring(2);
      if (this.phraseIndex.has(prefix) && counts[this.phraseIndex.get(prefix)] == count) covered.add(prefix);
      if (this.phraseIndex.has(suffix) && counts[this.phraseIndex.get(suffix)] == count) covered.add(suffix);
    }
    for (let p = 0; p < keys.length; p++) {
      const count = counts[p];
      if (count < min || covered.has(keys[p])) continue;
      const phrase = this.phraseText(keys[p]);
      const texts = this.phraseSeen.get(p).texts;
      const locations = new Array<string>(texts.length);
      for (let i = 0; i < texts.length; i++) locations[i] = this.textLocations[texts[i]];
      const evidence = new JsonObject().set("phrase", phrase).set("words", keys[p].length >> 1).set("locations", locations);
      out.push(new Pattern(KIND_PHRASE, Json.quote(phrase) + " occurs " + count.toString() + " times", evidence, count));
    }
  }

  keyPatterns(out: Pattern[]): void {
    const min = this.settings.minOccurrences;
    for (let i = 0; i < this.keyOrder.length; i++) {
      const key = this.keyOrder[i];
      const stat = this.keyStats.get(key);
      if (stat.objects < min) continue;
      const types = new JsonObject();
      const typeText = new Array<string>();
      for (let t = 0; t < stat.typeOrder.length; t++) {
        const name = stat.typeOrder[t];
        const n = stat.types.get(name);
        types.set(name, n);
        typeText.push(name + " " + n.toString() + "×");
      }
      const valueText = stat.typeOrder.length == 1 ? "always " + stat.typeOrder[0] : typeText.join(", ");
      const description = "key " + Json.quote(key) + " recurs in " + stat.objects.toString() + " objects at " + stat.paths.join(", ") + " (" + valueText + ")";
      const evidence = new JsonObject().set("key", key).set("objects", stat.objects).set("paths", stat.paths).set("types", types);
      out.push(new Pattern(KIND_KEY, description, evidence, stat.objects));
    }
  }

  shapePatterns(out: Pattern[]): void {
    const min = this.settings.minOccurrences;
    for (let i = 0; i < this.shapeOrder.length; i++) {
      const stat = this.shapeStats.get(this.shapeOrder[i]);
      if (stat.objects < min) continue;
      const description = stat.objects.toString() + " objects share the shape " + stat.display + " at " + stat.paths.join(", ");
      const evidence = new JsonObject().set("shape", stat.shape).set("objects", stat.objects).set("paths", stat.paths);
      out.push(new Pattern(KIND_SHAPE, description, evidence, stat.objects));
    }
  }

  /**
   * A series whose sorted values step by a (nearly) constant amount: every step within
   * periodTolerance × the mean step of it. The period is the mean step.
   */
  periodicPatterns(out: Pattern[]): void {
    for (let i = 0; i < this.seriesOrder.length; i++) {
      const series = this.series.get(this.seriesOrder[i]);
      const samples = series.samples.slice(0);
      const n = samples.length;
      if (n < this.settings.minPeriodSamples || n < 3) continue;
      samples.sort(bySampleValue);
      const first = samples[0].value;
      const last = samples[n - 1].value;
      const mean = (last - first) / <f64>(n - 1);
      if (!(mean > 0)) continue;
      let maxDeviation: f64 = 0;
      let periodic = true;
      for (let j = 1; j < n; j++) {
        const step = samples[j].value - samples[j - 1].value;
        if (step <= 0) {
          periodic = false;
          break;
        }
        const deviation = Math.abs(step - mean);
        if (deviation > maxDeviation) maxDeviation = deviation;
      }
      if (!periodic || maxDeviation > this.settings.periodTolerance * mean) continue;

      const evidence = new JsonObject().set("path", series.path).set("source", series.source);
      let every: string;
      if (series.unit == "ms") {
        const period = <i64>Math.round(mean);
        evidence.set("period", period).set("unit", "ms").set("human", humanDuration(period));
        every = humanDuration(period) + " (" + period.toString() + " ms)";
        evidence.set("maxDeviation", <i64>Math.round(maxDeviation));
      } else if (series.unit == "s") {
        evidence.set("period", mean).set("unit", "s").set("human", humanDuration(<i64>Math.round(mean * 1000)));
        every = humanDuration(<i64>Math.round(mean * 1000)) + " (" + Json.stringify(mean) + " s)";
        evidence.set("maxDeviation", maxDeviation);
      } else {
        evidence.set("period", mean).set("unit", "");
        every = Json.stringify(mean);
        evidence.set("maxDeviation", maxDeviation);
      }
      evidence.set("samples", n).set("first", samples[0].raw).set("last", samples[n - 1].raw);
      const description = series.source + " at " + series.path + " repeat every " + every + ", " + n.toString() + " samples";
      out.push(new Pattern(KIND_PERIODIC, description, evidence, n));
    }
  }
}
