// memory-analyzer: the guide's MemoryAnalyzer.analyze_memory as a Threadspace plugin, in
// AssemblyScript with @threadspace/pdk-as.
//
//   analyze_memory("m1") -> {"status":"success","analysis":{"memoryId":"m1","wordCount":12,...}}
//                           {"status":"error","code":"not_found","message":"..."}
//
// It reads the memory through the host (Memory.get: permission memory:read) and its settings
// through Config (config:read); without config:read it uses the built-in defaults.
import { Config, inputText, Json, JsonObject, JsonValue, Log, Memory, output, Plugin } from "@threadspace/pdk-as";
import { codePointLength, countTerms, DEFAULT_STOP_WORDS, scanText, TermCount } from "./text";

// Must match plugin.json: the engine compares name and version, and the build checks them.
const METADATA =
  '{"name":"memory-analyzer","version":"1.0.0","description":"Analyses a memory: word and sentence counts, top terms, tags (the plugin guide\'s MemoryAnalyzer.analyze_memory).","capabilities":["memory-analysis","text-statistics"]}';

const DEFAULT_TOP_TERMS: i32 = 5;
const MAX_TOP_TERMS: i32 = 100;
const DEFAULT_MIN_TERM_LENGTH: i32 = 2;

// Health metrics, since init_plugin.
let analysed: i64 = 0;
let notFound: i64 = 0;
let denied: i64 = 0;
let badInput: i64 = 0;
let lastError: string = "";
/** True when the last analysis failed for want of memory:read: health_check reports it. */
let lastDenied: bool = false;

// ---------------------------------------------------------------------------------------------
// Settings (config keys top_terms, min_term_length, stop_words), read once per call: live.

class Settings {
  topTerms: i32 = DEFAULT_TOP_TERMS;
  minTermLength: i32 = DEFAULT_MIN_TERM_LENGTH;
  stopWords: Set<string> = defaultStopWords();
  /** "config" or "defaults" (config:read not granted). */
  source: string = "config";
}

let defaultStopSet: Set<string> | null = null;
let cachedStopJson: string = "";
let cachedStopSet: Set<string> | null = null;

function defaultStopWords(): Set<string> {
  let set = defaultStopSet;
  if (set === null) {
    set = toSet(DEFAULT_STOP_WORDS);
    defaultStopSet = set;
  }
  return set;
}

function toSet(words: string[]): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < words.length; i++) set.add(words[i].toLowerCase());
  return set;
}

function clampInt(v: JsonValue, fallback: i32, min: i32, max: i32): i32 {
  if (!v.isNumber()) return fallback;
  const n = v.asInt();
  return n < <i64>min ? min : n > <i64>max ? max : <i32>n;
}

function readSettings(): Settings {
  const s = new Settings();
  const r = Config.all();
  if (!r.ok) {
    s.source = "defaults";
    return s;
  }
  const config = r.value();
  s.topTerms = clampInt(config.get("top_terms"), DEFAULT_TOP_TERMS, 0, MAX_TOP_TERMS);
  s.minTermLength = clampInt(config.get("min_term_length"), DEFAULT_MIN_TERM_LENGTH, 1, 64);
  const stop = config.get("stop_words");
  if (stop.isArray()) {
    // The list rarely changes: rebuild the set only when its JSON does.
    const json = stop.toJson();
    let set = cachedStopSet;
    if (set === null || json != cachedStopJson) {
      set = toSet(stop.asStrings());
      cachedStopSet = set;
      cachedStopJson = json;
    }
    s.stopWords = set;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Output

function fail(code: string, message: string): i32 {
  lastError = code + ": " + message;
  output(new JsonObject().set("status", "error").set("code", code).set("message", message).toString());
  return 0;
}

/**
 * The memory id from the input: the text itself ("m1"), a JSON string ("\"m1\"") or a JSON
 * object with "id" ({"id":"m1"}). Surrounding whitespace is ignored. "" when there is none.
 */
function memoryIdOf(input: string): string {
  const text = input.trim();
  if (text.startsWith("{") || text.startsWith('"')) {
    const v = Json.parse(text);
    if (v === null) return "";
    if (v.isString()) return v.asString().trim();
    return v.get("id").asString().trim();
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Exports

export function init_plugin(): i32 {
  analysed = 0;
  notFound = 0;
  denied = 0;
  badInput = 0;
  lastError = "";
  lastDenied = false;
  return Plugin.OK;
}

export function get_metadata(): i32 {
  return Plugin.metadata(METADATA);
}

/**
 * Input: a memory id. Output: {"status":"success","analysis":{...}} or
 * {"status":"error","code","message"} (codes: bad_request, not_found, permission_denied, or
 * whatever else the host replied). The call itself succeeds either way.
 */
export function analyze_memory(): i32 {
  const id = memoryIdOf(inputText());
  if (id.length == 0) {
    badInput++;
    return fail("bad_request", 'the input must be a memory id: "m1", "\\"m1\\"" or {"id":"m1"}');
  }
  const r = Memory.get(id);
  if (!r.ok) {
    if (r.code == "permission_denied") {
      denied++;
      lastDenied = true;
      return fail(r.code, "cannot read memory " + Json.quote(id) + ": permission denied: memory-analyzer was not granted memory:read (" + r.message + ")");
    }
    lastDenied = false;
    if (r.code == "not_found") {
      notFound++;
      return fail(r.code, "memory " + Json.quote(id) + " not found");
    }
    if (r.code == "bad_request") badInput++;
    return fail(r.code, "cannot read memory " + Json.quote(id) + ": " + r.message);
  }
  lastDenied = false;
  const memory = r.record!;
  const settings = readSettings();
  const scan = scanText(memory.content);
  const terms = countTerms(scan.words, settings.stopWords, settings.minTermLength);

  const top = new Array<JsonObject>();
  const n = terms.length < settings.topTerms ? terms.length : settings.topTerms;
  for (let i = 0; i < n; i++) {
    const t: TermCount = terms[i];
    top.push(new JsonObject().set("term", t.term).set("count", t.count));
  }
  const analysis = new JsonObject()
    .set("memoryId", memory.id)
    .set("threadId", memory.threadId)
    .set("tags", memory.tags)
    .set("length", codePointLength(memory.content))
    .set("bytes", String.UTF8.byteLength(memory.content))
    .set("wordCount", scan.words.length)
    .set("sentenceCount", scan.sentences)
    .set("uniqueTerms", terms.length)
    .set("topTerms", top)
    .set("createdAt", memory.createdAt)
    .set("updatedAt", memory.updatedAt);
  output(new JsonObject().set("status", "success").set("analysis", analysis).toString());
  analysed++;
  Log.debug("analysed memory " + memory.id, new JsonObject().set("words", scan.words.length).set("settings", settings.source));
  return 0;
}

export function health_check(): i32 {
  const metrics = new JsonObject()
    .set("memories_analysed", analysed)
    .set("not_found", notFound)
    .set("permission_denied", denied)
    .set("bad_input", badInput)
    .set("last_error", lastError);
  if (lastDenied) return Plugin.degraded("cannot read memories: memory:read is not granted", metrics);
  return Plugin.healthy("analysing memories", metrics);
}

export function cleanup(): i32 {
  cachedStopSet = null;
  cachedStopJson = "";
  return Plugin.OK;
}
