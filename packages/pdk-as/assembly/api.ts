// Typed wrappers over every Threadspace host function (docs/host-abi.md).
//
// Every wrapper builds the JSON request, calls the host and returns a HostResult (or a subclass
// with typed fields). Check `.ok` before using the value; on failure `.code` and `.message`
// say why (e.g. "permission_denied" when plugin.json's `permissions` lacks the function's
// permission or the embedder did not grant it).
import {
  ts_config_get,
  ts_event_emit,
  ts_kv_delete,
  ts_kv_get,
  ts_kv_list,
  ts_kv_set,
  ts_log,
  ts_memory_delete,
  ts_memory_get,
  ts_memory_put,
  ts_memory_query,
  ts_plugin_call,
  ts_thread_append,
  ts_thread_create,
  ts_thread_list,
  ts_thread_read,
} from "./host";
import { JsonObject, JsonValue } from "./json";
import { MemoryQuery, PutOptions, ReadOptions, ThreadOptions } from "./options";
import { callHost, HostResult } from "./result";

// ---------------------------------------------------------------------------------------------
// Records

/** A memory: `{"id", "content", "tags", "threadId"?, "createdAt", "updatedAt"}`. */
export class MemoryRecord {
  id: string = "";
  content: string = "";
  tags: string[] = [];
  /** The thread it belongs to, or null. */
  threadId: string | null = null;
  /** Milliseconds since the epoch. */
  createdAt: i64 = 0;
  updatedAt: i64 = 0;

  static fromJson(v: JsonValue): MemoryRecord {
    const r = new MemoryRecord();
    r.id = v.get("id").asString();
    r.content = v.get("content").asString();
    r.tags = v.get("tags").asStrings();
    r.threadId = v.get("threadId").asStringOrNull();
    r.createdAt = v.get("createdAt").asInt();
    r.updatedAt = v.get("updatedAt").asInt();
    return r;
  }
}

/** A thread: `{"id", "title", "metadata", "createdAt", "length"}`. */
export class ThreadInfo {
  id: string = "";
  /** The title, or null when it has none. */
  title: string | null = null;
  /** The metadata object (a JSON null when it has none). */
  metadata: JsonValue = JsonValue.null();
  createdAt: i64 = 0;
  /** Number of entries. */
  length: i64 = 0;

  static fromJson(v: JsonValue): ThreadInfo {
    const t = new ThreadInfo();
    t.id = v.get("id").asString();
    t.title = v.get("title").asStringOrNull();
    t.metadata = v.get("metadata");
    t.createdAt = v.get("createdAt").asInt();
    t.length = v.get("length").asInt();
    return t;
  }
}

/** A thread entry: `{"seq", "author", "content", "at"}`. */
export class ThreadEntry {
  seq: i64 = 0;
  author: string = "";
  content: string = "";
  at: i64 = 0;

  static fromJson(v: JsonValue): ThreadEntry {
    const e = new ThreadEntry();
    e.seq = v.get("seq").asInt();
    e.author = v.get("author").asString();
    e.content = v.get("content").asString();
    e.at = v.get("at").asInt();
    return e;
  }
}

// ---------------------------------------------------------------------------------------------
// Typed results

/** A reply holding one memory record (`record` is null when the call failed). */
export class MemoryResult extends HostResult {
  record: MemoryRecord | null = null;
  static of(r: HostResult): MemoryResult {
    const out = new MemoryResult(r.ok, r.code, r.message, r.json, r._value);
    if (r.ok) out.record = MemoryRecord.fromJson(r.value());
    return out;
  }
}

/** A reply holding memory records (empty when the call failed). */
export class MemoriesResult extends HostResult {
  records: MemoryRecord[] = [];
  static of(r: HostResult): MemoriesResult {
    const out = new MemoriesResult(r.ok, r.code, r.message, r.json, r._value);
    const items = r.value().asArray();
    for (let i = 0; i < items.length; i++) out.records.push(MemoryRecord.fromJson(items[i]));
    return out;
  }
}

/** A reply holding one thread (`thread` is null when the call failed). */
export class ThreadResult extends HostResult {
  thread: ThreadInfo | null = null;
  static of(r: HostResult): ThreadResult {
    const out = new ThreadResult(r.ok, r.code, r.message, r.json, r._value);
    if (r.ok) out.thread = ThreadInfo.fromJson(r.value());
    return out;
  }
}

/** A reply holding threads (empty when the call failed). */
export class ThreadsResult extends HostResult {
  threads: ThreadInfo[] = [];
  static of(r: HostResult): ThreadsResult {
    const out = new ThreadsResult(r.ok, r.code, r.message, r.json, r._value);
    const items = r.value().asArray();
    for (let i = 0; i < items.length; i++) out.threads.push(ThreadInfo.fromJson(items[i]));
    return out;
  }
}

/** A reply holding thread entries (empty when the call failed). */
export class EntriesResult extends HostResult {
  entries: ThreadEntry[] = [];
  static of(r: HostResult): EntriesResult {
    const out = new EntriesResult(r.ok, r.code, r.message, r.json, r._value);
    const items = r.value().asArray();
    for (let i = 0; i < items.length; i++) out.entries.push(ThreadEntry.fromJson(items[i]));
    return out;
  }
}

/** The reply of Thread.append: the new entry's `seq` (-1 when the call failed). */
export class AppendResult extends HostResult {
  seq: i64 = -1;
  static of(r: HostResult): AppendResult {
    const out = new AppendResult(r.ok, r.code, r.message, r.json, r._value);
    if (r.ok) out.seq = r.value().get("seq").asInt();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// APIs

/** Memories (`ts_memory_*`): permissions `memory:read` (get, query) and `memory:write` (put, delete). */
export class Memory {
  /**
   * Stores a memory and replies with its record. Without `id` a new memory is made; with an
   * existing id it is replaced (its createdAt is kept). To skip arguments, use putWith.
   */
  static put(content: string, tags: string[] | null = null, threadId: string | null = null, id: string | null = null): MemoryResult {
    return Memory.putWith(content, { tags, threadId, id });
  }
  /**
   * Memory.put with named options.
   * @example Memory.putWith(text, { threadId: journal })
   * @example Memory.putWith(text, new PutOptions().tag("todo").inThread(journal))
   */
  static putWith(content: string, options: PutOptions = new PutOptions()): MemoryResult {
    const req = new JsonObject().setIfNotNull("id", options.id).set("content", content);
    const tags = options.tags;
    if (tags !== null) req.set("tags", tags);
    req.setIfNotNull("threadId", options.threadId);
    return MemoryResult.of(callHost(ts_memory_put, req.toString()));
  }
  /** One memory; fails with "not_found" when there is none with this id. */
  static get(id: string): MemoryResult {
    return MemoryResult.of(callHost(ts_memory_get, new JsonObject().set("id", id).toString()));
  }
  /**
   * Memories matching the query, newest first; `Memory.query()` lists them all (up to the limit).
   * @example Memory.query({ tag: "todo", limit: 50 })
   */
  static query(query: MemoryQuery = new MemoryQuery()): MemoriesResult {
    const req = new JsonObject().setIfNotNull("tag", query.tag).setIfNotNull("text", query.text).setIfNotNull("threadId", query.threadId);
    if (query.limit != 0) req.set("limit", query.limit);
    return MemoriesResult.of(callHost(ts_memory_query, req.toString()));
  }
  /** Deletes a memory; the value (`.bool()`) is true when it existed. */
  static delete(id: string): HostResult {
    return callHost(ts_memory_delete, new JsonObject().set("id", id).toString());
  }
}

/** Threads (`ts_thread_*`): permissions `thread:read` (read, list) and `thread:write` (create, append). */
export class Thread {
  /** Creates a thread with an optional title and metadata object; without `id` the host picks one. To skip arguments, use createWith. */
  static create(title: string | null = null, metadata: JsonObject | null = null, id: string | null = null): ThreadResult {
    return Thread.createWith({ title, metadata, id });
  }
  /**
   * Thread.create with named options.
   * @example Thread.createWith({ id: "journal", title: "Journal" })
   */
  static createWith(options: ThreadOptions = new ThreadOptions()): ThreadResult {
    const req = new JsonObject().setIfNotNull("id", options.id).setIfNotNull("title", options.title);
    const metadata = options.metadata;
    if (metadata !== null) req.set("metadata", metadata);
    return ThreadResult.of(callHost(ts_thread_create, req.toString()));
  }
  /** Appends an entry; `.seq` is its sequence number (0, 1, 2, ... per thread). The author defaults to the plugin's name. */
  static append(threadId: string, content: string, author: string | null = null): AppendResult {
    const req = new JsonObject().set("threadId", threadId).set("content", content).setIfNotNull("author", author);
    return AppendResult.of(callHost(ts_thread_append, req.toString()));
  }
  /** Entries in order from `fromSeq`; `limit` 0 means the host's default (100). */
  static read(threadId: string, fromSeq: i64 = 0, limit: i32 = 0): EntriesResult {
    return Thread.readWith(threadId, { fromSeq, limit });
  }
  /**
   * Thread.read with named options.
   * @example Thread.readWith(threadId, { limit: 10 })
   * @example Thread.readWith(threadId, new ReadOptions().from(next).withLimit(1000))
   */
  static readWith(threadId: string, options: ReadOptions = new ReadOptions()): EntriesResult {
    const req = new JsonObject().set("threadId", threadId);
    if (options.fromSeq != 0) req.set("fromSeq", options.fromSeq);
    if (options.limit != 0) req.set("limit", options.limit);
    return EntriesResult.of(callHost(ts_thread_read, req.toString()));
  }
  /** Threads, newest first; `limit` 0 means the host's default (100). */
  static list(limit: i32 = 0): ThreadsResult {
    const req = new JsonObject();
    if (limit != 0) req.set("limit", limit);
    return ThreadsResult.of(callHost(ts_thread_list, req.toString()));
  }
}

/** Events (`ts_event_emit`): permission `event:emit`. */
export class Events {
  /**
   * Emits `payload` on `topic`; it is delivered after the current call commits. The payload is
   * anything Json.stringify accepts: `Events.emit("done", new JsonObject().set("n", 1))`. A
   * string is sent as a JSON string; to send JSON text use `Json.raw(text)`.
   */
  static emit<T>(topic: string, payload: T): HostResult {
    const req = new JsonObject().set("topic", topic).set("payload", payload);
    return callHost(ts_event_emit, req.toString());
  }
  /** Emits an event without a payload on `topic`. */
  static signal(topic: string): HostResult {
    const req = new JsonObject().set("topic", topic);
    return callHost(ts_event_emit, req.toString());
  }
}

/** The plugin's merged config (`ts_config_get`): permission `config:read`. */
export class Config {
  /** One key's value (JSON null when unset). */
  static get(key: string): HostResult {
    return callHost(ts_config_get, new JsonObject().set("key", key).toString());
  }
  /** The whole merged config: plugin.json `config` overridden by the embedder's settings. */
  static all(): HostResult {
    return callHost(ts_config_get, "{}");
  }
  /** One key's string value, or `fallback` when unset, not a string, or the call failed. */
  static string(key: string, fallback: string = ""): string {
    const r = Config.get(key);
    return r.ok && r.value().isString() ? r.value().asString() : fallback;
  }
  /** One key's number, or `fallback` when unset, not a number, or the call failed. */
  static number(key: string, fallback: f64 = 0): f64 {
    const r = Config.get(key);
    return r.ok && r.value().isNumber() ? r.value().asNumber() : fallback;
  }
  /** One key's boolean, or `fallback` when unset, not a boolean, or the call failed. */
  static bool(key: string, fallback: bool = false): bool {
    const r = Config.get(key);
    return r.ok && r.value().isBool() ? r.value().asBool() : fallback;
  }
}

/** Logs (`ts_log`) into the plugin's log buffer that the embedder reads: permission `log`. */
export class Log {
  static trace(message: string, fields: JsonObject | null = null): HostResult {
    return Log.write("trace", message, fields);
  }
  static debug(message: string, fields: JsonObject | null = null): HostResult {
    return Log.write("debug", message, fields);
  }
  static info(message: string, fields: JsonObject | null = null): HostResult {
    return Log.write("info", message, fields);
  }
  static warn(message: string, fields: JsonObject | null = null): HostResult {
    return Log.write("warn", message, fields);
  }
  static error(message: string, fields: JsonObject | null = null): HostResult {
    return Log.write("error", message, fields);
  }
  /** Logs at `level` ("trace" | "debug" | "info" | "warn" | "error"), with optional structured fields. */
  static write(level: string, message: string, fields: JsonObject | null = null): HostResult {
    const req = new JsonObject().set("level", level).set("message", message);
    if (fields !== null) req.set("fields", fields);
    return callHost(ts_log, req.toString());
  }
}

/** The plugin's own key-value state (`ts_kv_*`): permission `kv`. */
export class Kv {
  /** The value (`.value()`, `.json`), or JSON null when the key is not set. */
  static get(key: string): HostResult {
    return callHost(ts_kv_get, new JsonObject().set("key", key).toString());
  }
  /**
   * Sets `key` to `value`: anything Json.stringify accepts (`Kv.set("n", 42)`,
   * `Kv.set("user", new JsonObject().set("name", "Ana"))`). A string is stored as a JSON string;
   * to store JSON text use `Json.raw(text)`.
   */
  static set<T>(key: string, value: T): HostResult {
    return callHost(ts_kv_set, new JsonObject().set("key", key).set("value", value).toString());
  }
  /** Deletes `key`; the value (`.bool()`) is true when it existed. */
  static delete(key: string): HostResult {
    return callHost(ts_kv_delete, new JsonObject().set("key", key).toString());
  }
  /** The keys starting with `prefix` (all keys for ""), sorted; read them with `.strings()`. */
  static list(prefix: string = ""): HostResult {
    const req = prefix.length > 0 ? new JsonObject().set("prefix", prefix).toString() : "{}";
    return callHost(ts_kv_list, req);
  }
}

/** Calls into other plugins (`ts_plugin_call`): permission `plugin:call`; only plugins in plugin.json `dependencies`. */
export class Plugins {
  /** Calls `exportName` of `plugin` with `input`; `.text()` is the callee's output. */
  static call(plugin: string, exportName: string, input: string = ""): HostResult {
    const req = new JsonObject().set("plugin", plugin).set("export", exportName).set("input", input);
    return callHost(ts_plugin_call, req.toString());
  }
}
