// activity-journal: subscribes to memory events and appends one line per event to a thread
// ("journal" by default), in AssemblyScript with @threadspace/pdk-as.
//
//   memory.created -> 2026-01-01T10:00:00.000Z memory.created m1 thread=t-1 tags=todo,ada "Call Ada on Monday"
//
// plugin.json `subscriptions` lists the topics; the engine delivers them to `on_event` while the
// plugin holds event:subscribe. It writes with Thread.createWith/append (thread:write), reads memory
// previews with Memory.get (memory:read, optional: without it a line has the id only) and reads
// the journal back with Thread.readWith (thread:read, for `read_journal`).
import { Config, inputText, Json, JsonObject, JsonValue, Log, Memory, output, Plugin, Thread } from "@threadspace/pdk-as";

// Must match plugin.json: the engine compares name and version, and the build checks them.
const METADATA =
  '{"name":"activity-journal","version":"1.0.0","description":"Keeps a journal of memory activity: one line per memory.created, memory.updated and memory.deleted event, appended to a thread.","capabilities":["activity-journal","event-log"]}';

const DEFAULT_THREAD = "journal";
const DEFAULT_TITLE = "Activity journal";
const DEFAULT_PREVIEW_CHARS: i32 = 60;

// Health metrics, since init_plugin.
let journaled: i64 = 0;
let failed: i64 = 0;
let lastSeq: i64 = -1;
let lastError: string = "";
/** The journal thread could not be created or written for want of thread:write. */
let cannotWrite: bool = false;

// ---------------------------------------------------------------------------------------------
// Settings

class Settings {
  thread: string = DEFAULT_THREAD;
  title: string = DEFAULT_TITLE;
  previewChars: i32 = DEFAULT_PREVIEW_CHARS;
  preview: bool = true;
  tags: bool = true;

  static from(c: JsonValue): Settings {
    const s = new Settings();
    const thread = c.get("thread");
    if (thread.isString() && thread.asString().length > 0) s.thread = thread.asString();
    const title = c.get("title");
    if (title.isString()) s.title = title.asString();
    const chars = c.get("preview_chars");
    if (chars.isNumber()) {
      const n = chars.asInt();
      s.previewChars = n < 0 ? 0 : n > 1000 ? 1000 : <i32>n;
    }
    const features = c.get("features");
    if (features.get("preview").isBool()) s.preview = features.get("preview").asBool();
    if (features.get("tags").isBool()) s.tags = features.get("tags").asBool();
    return s;
  }
}

/** The merged config through Config (config:read); the defaults without it. */
function readSettings(): Settings {
  const r = Config.all();
  return r.ok ? Settings.from(r.value()) : new Settings();
}

// ---------------------------------------------------------------------------------------------
// Formatting

function pad(n: i64, width: i32): string {
  let s = n.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

/** Milliseconds since the epoch as ISO 8601 UTC (Howard Hinnant's civil_from_days). */
function isoTime(ms: i64): string {
  let days = ms / 86400000;
  let rest = ms % 86400000;
  if (rest < 0) {
    rest += 86400000;
    days -= 1;
  }
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const day = doy - (153 * mp + 2) / 5 + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return (
    pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" +
    pad(rest / 3600000, 2) + ":" + pad((rest / 60000) % 60, 2) + ":" + pad((rest / 1000) % 60, 2) + "." + pad(rest % 1000, 3) + "Z"
  );
}

/** The first `max` code points of `text` on one line (runs of whitespace become one space), "…" when cut. */
function preview(text: string, max: i32): string {
  const parts = new Array<string>();
  let count = 0;
  let space = false;
  let cut = false;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i);
    const w = cp >= 0x10000 ? 2 : 1;
    const isWs = cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 || cp == 0x2028 || cp == 0x2029;
    if (isWs) {
      space = count > 0;
    } else {
      if (count + (space ? 1 : 0) >= max) {
        cut = true;
        break;
      }
      if (space) {
        parts.push(" ");
        count++;
        space = false;
      }
      parts.push(text.substring(i, i + w));
      count++;
    }
    i += w;
  }
  return parts.join("") + (cut ? "…" : "");
}

/** The journal line for one event. */
function lineFor(topic: string, payload: JsonValue, source: string, at: i64, settings: Settings): string {
  let line = isoTime(at) + " " + topic;
  if (topic.startsWith("memory.") && payload.get("id").isString()) {
    const id = payload.get("id").asString();
    line += " " + id;
    const threadId = payload.get("threadId");
    if (threadId.isString()) line += " thread=" + threadId.asString();
    if (topic != "memory.deleted" && (settings.preview || settings.tags)) {
      // Events carry ids only; the content needs memory:read. Without it the line stays short.
      const r = Memory.get(id);
      if (r.ok) {
        const memory = r.record!;
        if (settings.tags && memory.tags.length > 0) line += " tags=" + memory.tags.join(",");
        if (settings.preview && settings.previewChars > 0) line += " " + Json.quote(preview(memory.content, settings.previewChars));
      }
    }
  } else if (!payload.isNull()) {
    line += " " + preview(payload.toJson(), 200);
  }
  if (source != "host" && source.length > 0) line += " by " + source;
  return line;
}

// ---------------------------------------------------------------------------------------------
// The journal thread

/** Creates the journal thread if it is missing (an existing one is left as it is). "" or an error. */
function ensureThread(settings: Settings): string {
  const r = Thread.createWith({ id: settings.thread, title: settings.title });
  if (r.ok) return "";
  if (r.code == "permission_denied") cannotWrite = true;
  return "cannot create the journal thread " + Json.quote(settings.thread) + ": " + r.code + ": " + r.message;
}

function record(error: string): i32 {
  failed++;
  lastError = error;
  Log.warn(error);
  return Plugin.fail(error);
}

// ---------------------------------------------------------------------------------------------
// Exports

/** Creates the journal thread. Without thread:write it still starts, reports degraded health, and retries on each event. */
export function init_plugin(): i32 {
  journaled = 0;
  failed = 0;
  lastSeq = -1;
  lastError = "";
  cannotWrite = false;
  const error = ensureThread(readSettings());
  if (error.length > 0) {
    lastError = error;
    Log.warn(error);
  }
  return Plugin.OK;
}

export function get_metadata(): i32 {
  return Plugin.metadata(METADATA);
}

/** Appends one line per event to the journal thread. Fails (the engine counts it) when it cannot. */
export function on_event(): i32 {
  const e = Plugin.event();
  if (e === null) return record("on_event: the input is not an event: " + inputText());
  const settings = readSettings();
  const line = lineFor(e.topic, e.payload, e.source, e.at, settings);
  let r = Thread.append(settings.thread, line);
  if (r.is("not_found")) {
    // The thread is missing (e.g. init_plugin had no thread:write then): create it and retry.
    const error = ensureThread(settings);
    if (error.length > 0) return record(error);
    r = Thread.append(settings.thread, line);
  }
  if (!r.ok) {
    if (r.code == "permission_denied") cannotWrite = true;
    return record("cannot append to the journal thread " + Json.quote(settings.thread) + ": " + r.code + ": " + r.message);
  }
  cannotWrite = false;
  journaled++;
  lastSeq = r.seq;
  output(line);
  return 0;
}

/** A config change: make sure the (possibly new) journal thread exists. */
export function on_config_change(): i32 {
  const error = ensureThread(Settings.from(Plugin.changedConfig()));
  if (error.length > 0) {
    lastError = error;
    Log.warn(error);
  }
  return Plugin.OK;
}

/**
 * Input: nothing, or the seq to start from (e.g. "10"). Output: the journal's lines from there,
 * oldest first, one per line (at most 10,000).
 */
export function read_journal(): i32 {
  const settings = readSettings();
  const input = inputText().trim();
  let from: i64 = 0;
  if (input.length > 0) {
    const v = Json.parse(input);
    if (v === null || !v.isNumber() || v.asInt() < 0) return Plugin.fail("read_journal: the input must be a seq (a whole number >= 0) or nothing");
    from = v.asInt();
  }
  const lines = new Array<string>();
  while (lines.length < 10000) {
    const r = Thread.readWith(settings.thread, { fromSeq: from, limit: 1000 });
    if (!r.ok) return Plugin.fail("cannot read the journal thread " + Json.quote(settings.thread) + ": " + r.code + ": " + r.message);
    for (let i = 0; i < r.entries.length; i++) lines.push(r.entries[i].content);
    if (r.entries.length < 1000) break;
    from = r.entries[r.entries.length - 1].seq + 1;
  }
  output(lines.join("\n"));
  return 0;
}

export function health_check(): i32 {
  const metrics = new JsonObject()
    .set("events_journaled", journaled)
    .set("events_failed", failed)
    .set("last_seq", lastSeq)
    .set("thread", readSettings().thread)
    .set("last_error", lastError);
  if (cannotWrite) return Plugin.degraded("cannot write the journal: thread:write is not granted", metrics);
  return Plugin.healthy("journaling memory events", metrics);
}

export function cleanup(): i32 {
  return Plugin.OK;
}
