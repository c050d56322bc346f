// pattern-recognizer: the guide's PatternRecognizer.recognize_patterns as a Threadspace plugin,
// in AssemblyScript with @threadspace/pdk-as.
//
//   recognize_patterns({"notes": [...]})      -> [{"kind","description","evidence","count"}, ...]
//   recognize_patterns({"threadId": "t-1"})   -> the same, over that thread's entries (Thread.readWith)
//
// Kinds: repeated_phrase (n-grams of 2-4 words seen >= 2 times), recurring_key (object keys seen
// in >= 2 objects, with their value types), value_shape (objects with the same keys and value
// types), periodic_timestamps (ISO dates, epoch milliseconds, time-named numbers or thread entry
// times that step by a nearly constant period). See README.md.
import { Config, inputJson, Json, JsonObject, JsonValue, Log, outputJson, Plugin, Thread } from "@threadspace/pdk-as";
import { Pattern, Recognizer, Settings } from "./patterns";

// Must match plugin.json: the engine compares name and version, and the build checks them.
const METADATA =
  '{"name":"pattern-recognizer","version":"1.0.0","description":"Recognises patterns in JSON data or a thread: repeated phrases, recurring keys and value shapes, periodic timestamps (the plugin guide\'s PatternRecognizer.recognize_patterns).","capabilities":["pattern-recognition"]}';

/** Entries read per Thread.readWith (the host allows up to 1,000; entries may hold 256 KiB each, so fewer at a time). */
const PAGE: i32 = 100;
/** `limit` in a thread request is capped at this many entries. */
const MAX_ENTRIES_CAP: i32 = 100000;

// Health metrics, since init_plugin.
let calls: i64 = 0;
let threadScans: i64 = 0;
let entriesScanned: i64 = 0;
let patternsFound: i64 = 0;
let failures: i64 = 0;
let lastError: string = "";

// ---------------------------------------------------------------------------------------------
// Settings

function intOf(v: JsonValue, fallback: i32, min: i32, max: i32): i32 {
  if (!v.isNumber()) return fallback;
  const n = v.asInt();
  return n < <i64>min ? min : n > <i64>max ? max : <i32>n;
}

function flag(features: JsonValue, name: string): bool {
  const v = features.get(name);
  return v.isBool() ? v.asBool() : true;
}

/** Config keys (see plugin.json); the defaults when config:read is not granted. */
function readSettings(): Settings {
  const s = new Settings();
  const r = Config.all();
  if (!r.ok) return s;
  const c = r.value();
  s.minOccurrences = intOf(c.get("min_occurrences"), s.minOccurrences, 2, 1000000);
  s.minPhraseWords = intOf(c.get("min_phrase_words"), s.minPhraseWords, 1, 8);
  s.maxPhraseWords = intOf(c.get("max_phrase_words"), s.maxPhraseWords, s.minPhraseWords, 8);
  const tolerance = c.get("period_tolerance");
  if (tolerance.isNumber() && tolerance.asNumber() >= 0 && tolerance.asNumber() <= 1) s.periodTolerance = tolerance.asNumber();
  s.minPeriodSamples = intOf(c.get("min_period_samples"), s.minPeriodSamples, 3, 1000000);
  s.maxPatterns = intOf(c.get("max_patterns"), s.maxPatterns, 0, 10000);
  s.maxEntries = intOf(c.get("max_entries"), s.maxEntries, 1, MAX_ENTRIES_CAP);
  const features = c.get("features");
  s.phrases = flag(features, "phrases");
  s.keys = flag(features, "keys");
  s.shapes = flag(features, "shapes");
  s.timestamps = flag(features, "timestamps");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Input

/** `{"threadId", "fromSeq"?, "limit"?}` and nothing else: a thread to scan. */
function isThreadRequest(v: JsonValue): bool {
  if (!v.isObject() || !v.get("threadId").isString()) return false;
  const keys = v.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k != "threadId" && k != "fromSeq" && k != "limit") return false;
  }
  return true;
}

function failWith(message: string): i32 {
  failures++;
  lastError = message;
  Log.info("recognize_patterns failed: " + message); // the caller gets the error too
  return Plugin.fail(message);
}

/**
 * Reads the thread's entries (from `fromSeq`, at most `limit` or config max_entries) into the
 * recogniser: each entry's content as text, or walked as JSON when it is a JSON object or array,
 * and its `at` time. Returns "" or an error message. The host has checked the request against
 * plugin.json's input schema (fromSeq a whole number >= 0, limit >= 1) before this runs.
 */
function scanThread(rec: Recognizer, request: JsonValue): string {
  const threadId = request.get("threadId").asString();
  let from: i64 = request.get("fromSeq").asInt();
  let limit = rec.settings.maxEntries;
  if (request.has("limit")) {
    const l = request.get("limit").asInt();
    limit = l > <i64>MAX_ENTRIES_CAP ? MAX_ENTRIES_CAP : <i32>l;
  }
  let read = 0;
  while (read < limit) {
    const want = limit - read < PAGE ? limit - read : PAGE;
    const r = Thread.readWith(threadId, { fromSeq: from, limit: want });
    if (!r.ok) {
      if (r.code == "permission_denied") return "cannot read thread " + Json.quote(threadId) + ": permission denied: pattern-recognizer was not granted thread:read (" + r.message + ")";
      if (r.code == "not_found") return "thread " + Json.quote(threadId) + " not found";
      return "cannot read thread " + Json.quote(threadId) + ": " + r.code + ": " + r.message;
    }
    const entries = r.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const location = "$.entries[" + e.seq.toString() + "]";
      rec.addEntryTime(e.at, "$.entries[*].at");
      const content = e.content.trim();
      let parsed: JsonValue | null = null;
      if (content.startsWith("{") || content.startsWith("[")) parsed = Json.parse(content);
      if (parsed !== null) rec.walkRoot(parsed, location + ".content", "$.entries[*].content", "content");
      else rec.addText(e.content, location + ".content");
      from = e.seq + 1;
    }
    read += entries.length;
    entriesScanned += entries.length;
    __collect(); // the page's texts are garbage now
    if (entries.length < want) break;
  }
  threadScans++;
  return "";
}

// ---------------------------------------------------------------------------------------------
// Exports

export function init_plugin(): i32 {
  calls = 0;
  threadScans = 0;
  entriesScanned = 0;
  patternsFound = 0;
  failures = 0;
  lastError = "";
  return Plugin.OK;
}

export function get_metadata(): i32 {
  return Plugin.metadata(METADATA);
}

/**
 * Input: any JSON value (usually an object, or an array of objects), or
 * {"threadId", "fromSeq"?, "limit"?} to scan a thread. Output: a JSON array of patterns
 * {"kind", "description", "evidence", "count"}. Input that is not JSON, or a thread request out
 * of range, is refused by the host (plugin.json "exports": bad_input) before this runs. Fails
 * (plugin_error) when the thread cannot be read (missing, or thread:read not granted).
 */
export function recognize_patterns(): i32 {
  calls++;
  const input = inputJson();
  if (input === null) return failWith("the input must be JSON (an object, an array, or {\"threadId\": \"...\"}): " + Json.lastError());
  // The input's text is garbage now: collect it before the walk allocates (plugins run under a
  // memory cap, 16 MiB by default, and the incremental collector otherwise lags behind).
  __collect();
  const rec = new Recognizer(readSettings());
  if (isThreadRequest(input)) {
    const error = scanThread(rec, input);
    if (error.length > 0) return failWith(error);
  } else {
    rec.walkRoot(input, "$", "$", "");
  }
  __collect();
  const patterns: Pattern[] = rec.patterns();
  const list = new Array<JsonObject>(patterns.length);
  for (let i = 0; i < patterns.length; i++) list[i] = patterns[i].toJson();
  outputJson(list);
  patternsFound += patterns.length;
  if (rec.total > patterns.length) {
    Log.info("reported " + patterns.length.toString() + " of " + rec.total.toString() + " patterns (config max_patterns)");
  }
  return 0;
}

export function health_check(): i32 {
  const metrics = new JsonObject()
    .set("calls", calls)
    .set("thread_scans", threadScans)
    .set("entries_scanned", entriesScanned)
    .set("patterns_found", patternsFound)
    .set("failures", failures)
    .set("last_error", lastError);
  return Plugin.healthy("recognising patterns", metrics);
}

export function cleanup(): i32 {
  return Plugin.OK;
}

