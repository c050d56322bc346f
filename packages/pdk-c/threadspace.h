/* threadspace.h: the Threadspace PDK for C plugins (clang, wasm32, no libc needed).
 *
 * One header, no .c file: every helper is `static inline`. Include it with
 * `-I packages/pdk-c` (the repository's build does this for C examples) and build with
 *
 *   clang --target=wasm32-unknown-unknown -O2 -nostdlib -Wl,--no-entry -Wl,--export-dynamic \
 *         -Wl,--strip-all -I packages/pdk-c -o plugin.wasm src/plugin.c
 *
 * What it has:
 * - the Extism kernel imports (module "extism:host/env": input, memory blocks, output, errors);
 * - every Threadspace host function of docs/host-abi.md (module "extism:host/user", `ts_*`):
 *   each takes the handle of a block holding a UTF-8 JSON request and returns the handle of a
 *   block holding {"ok": value} or {"error": {"code", "message"}};
 * - ts_call(): sends a request (a C string) to one of them and copies the reply into a buffer;
 * - ts_json: a bounded JSON writer (strings escaped correctly) to build requests;
 * - reply readers: ts_reply_ok, ts_reply_value, ts_reply_error_code, ts_json_string_value;
 * - input/output/error helpers: ts_input_read, ts_output, ts_output_str, ts_fail.
 * The engine links only the functions a module imports, and clang emits an import only when
 * it is called, so a plugin that uses only ts_kv_* imports only those.
 *
 * Every buffer is caller-provided, with its capacity; nothing is allocated in linear memory.
 * Strings passed in are NUL-terminated UTF-8.
 */
#ifndef THREADSPACE_H
#define THREADSPACE_H

#include <stddef.h>
#include <stdint.h>

#define TS_ENV_IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define TS_HOST_IMPORT(name) __attribute__((import_module("extism:host/user"), import_name(#name)))
/* Marks an exported function: TS_EXPORT(greet) int32_t greet(void) { ... } */
#define TS_EXPORT(name) __attribute__((export_name(#name)))

/* ---------------------------------------------------------------------------------------------
 * Extism kernel imports. Same names and signatures as examples/c-hello/src/extism.h, so both
 * headers can be included together. */
typedef uint64_t ExtismHandle;

TS_ENV_IMPORT(input_length) uint64_t extism_input_length(void);
TS_ENV_IMPORT(input_load_u8) uint8_t extism_input_load_u8(uint64_t offset);
TS_ENV_IMPORT(input_load_u64) uint64_t extism_input_load_u64(uint64_t offset);
TS_ENV_IMPORT(alloc) ExtismHandle extism_alloc(uint64_t length);
TS_ENV_IMPORT(free) void extism_free(ExtismHandle handle);
TS_ENV_IMPORT(length) uint64_t extism_length(ExtismHandle handle);
TS_ENV_IMPORT(load_u8) uint8_t extism_load_u8(ExtismHandle address);
TS_ENV_IMPORT(load_u64) uint64_t extism_load_u64(ExtismHandle address);
TS_ENV_IMPORT(store_u8) void extism_store_u8(ExtismHandle address, uint8_t value);
TS_ENV_IMPORT(store_u64) void extism_store_u64(ExtismHandle address, uint64_t value);
TS_ENV_IMPORT(output_set) void extism_output_set(ExtismHandle handle, uint64_t length);
TS_ENV_IMPORT(error_set) void extism_error_set(ExtismHandle handle);
TS_ENV_IMPORT(log_error) void extism_log_error(ExtismHandle message);

/* ---------------------------------------------------------------------------------------------
 * Threadspace host functions (docs/host-abi.md). Permission in brackets. */
TS_HOST_IMPORT(ts_memory_put) uint64_t ts_memory_put(uint64_t request);       /* [memory:write] {"id"?, "content", "tags"?, "threadId"?} -> record */
TS_HOST_IMPORT(ts_memory_get) uint64_t ts_memory_get(uint64_t request);       /* [memory:read]  {"id"} -> record | not_found */
TS_HOST_IMPORT(ts_memory_query) uint64_t ts_memory_query(uint64_t request);   /* [memory:read]  {"tag"?, "text"?, "threadId"?, "limit"?} -> records */
TS_HOST_IMPORT(ts_memory_delete) uint64_t ts_memory_delete(uint64_t request); /* [memory:write] {"id"} -> existed */
TS_HOST_IMPORT(ts_thread_create) uint64_t ts_thread_create(uint64_t request); /* [thread:write] {"id"?, "title"?, "metadata"?} -> thread */
TS_HOST_IMPORT(ts_thread_append) uint64_t ts_thread_append(uint64_t request); /* [thread:write] {"threadId", "content", "author"?} -> {"seq"} */
TS_HOST_IMPORT(ts_thread_read) uint64_t ts_thread_read(uint64_t request);     /* [thread:read]  {"threadId", "fromSeq"?, "limit"?} -> entries */
TS_HOST_IMPORT(ts_thread_list) uint64_t ts_thread_list(uint64_t request);     /* [thread:read]  {"limit"?} -> threads */
TS_HOST_IMPORT(ts_event_emit) uint64_t ts_event_emit(uint64_t request);       /* [event:emit]   {"topic", "payload"?} -> true */
TS_HOST_IMPORT(ts_config_get) uint64_t ts_config_get(uint64_t request);       /* [config:read]  {"key"?} -> config | value | null */
TS_HOST_IMPORT(ts_log) uint64_t ts_log(uint64_t request);                     /* [log]          {"level", "message", "fields"?} -> true */
TS_HOST_IMPORT(ts_kv_get) uint64_t ts_kv_get(uint64_t request);               /* [kv]           {"key"} -> value | null */
TS_HOST_IMPORT(ts_kv_set) uint64_t ts_kv_set(uint64_t request);               /* [kv]           {"key", "value"} -> true */
TS_HOST_IMPORT(ts_kv_delete) uint64_t ts_kv_delete(uint64_t request);         /* [kv]           {"key"} -> existed */
TS_HOST_IMPORT(ts_kv_list) uint64_t ts_kv_list(uint64_t request);             /* [kv]           {"prefix"?} -> keys */
TS_HOST_IMPORT(ts_plugin_call) uint64_t ts_plugin_call(uint64_t request);     /* [plugin:call]  {"plugin", "export", "input"?} -> output string */

/* A host function: request handle in, reply handle out. Embedder APIs have the same shape:
 *   TS_HOST_IMPORT(ts_weather_today) uint64_t ts_weather_today(uint64_t request); */
typedef uint64_t (*ts_host_fn)(uint64_t request);

/* ---------------------------------------------------------------------------------------------
 * Memory blocks, input, output, errors */

static inline uint64_t ts_strlen(const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Copies n bytes into a new Extism block; returns its handle. */
static inline ExtismHandle ts_block(const void *data, uint64_t n) {
  const uint8_t *bytes = (const uint8_t *)data;
  ExtismHandle h = extism_alloc(n);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = 0;
    for (int b = 0; b < 8; b++) word |= (uint64_t)bytes[i + b] << (8 * b);
    extism_store_u64(h + i, word);
  }
  for (; i < n; i++) extism_store_u8(h + i, bytes[i]);
  return h;
}

/* Copies a block into buf (at most cap - 1 bytes) and NUL-terminates it (when cap > 0).
 * Returns the block's full length: a result >= cap means the copy was cut short. */
static inline uint64_t ts_block_read(ExtismHandle h, char *buf, uint64_t cap) {
  uint64_t n = h ? extism_length(h) : 0;
  if (cap == 0) return n;
  uint64_t m = n < cap - 1 ? n : cap - 1;
  uint64_t i = 0;
  for (; i + 8 <= m; i += 8) {
    uint64_t word = extism_load_u64(h + i);
    for (int b = 0; b < 8; b++) buf[i + b] = (char)(uint8_t)(word >> (8 * b));
  }
  for (; i < m; i++) buf[i] = (char)extism_load_u8(h + i);
  buf[m] = 0;
  return n;
}

/* The call's input, like ts_block_read: at most cap - 1 bytes, NUL-terminated; returns its full length. */
static inline uint64_t ts_input_read(char *buf, uint64_t cap) {
  uint64_t n = extism_input_length();
  if (cap == 0) return n;
  uint64_t m = n < cap - 1 ? n : cap - 1;
  uint64_t i = 0;
  for (; i + 8 <= m; i += 8) {
    uint64_t word = extism_input_load_u64(i);
    for (int b = 0; b < 8; b++) buf[i + b] = (char)(uint8_t)(word >> (8 * b));
  }
  for (; i < m; i++) buf[i] = (char)extism_input_load_u8(i);
  buf[m] = 0;
  return n;
}

/* Sets the call's output to n bytes (UTF-8 text is output as is: byte lengths throughout). */
static inline void ts_output(const void *data, uint64_t n) {
  extism_output_set(ts_block(data, n), n);
}

static inline void ts_output_str(const char *s) {
  ts_output(s, ts_strlen(s));
}

/* Fails the current call with `message` (Extism error_set) and returns 1: `return ts_fail("...");`.
 * In init_plugin this makes the engine refuse the install. */
static inline int32_t ts_fail(const char *message) {
  extism_error_set(ts_block(message, ts_strlen(message)));
  return 1;
}

/* ---------------------------------------------------------------------------------------------
 * JSON writer: a bounded buffer. Build a request, then ts_json_finish() it (NULL if it did not fit).
 *
 *   char buf[256]; ts_json j; ts_json_init(&j, buf, sizeof buf);
 *   ts_json_begin_object(&j);
 *   ts_json_key(&j, "key"); ts_json_string(&j, "greeting");
 *   ts_json_end_object(&j);
 *   const char *request = ts_json_finish(&j);   // {"key":"greeting"}
 */
typedef struct {
  char *data;
  uint64_t cap;
  uint64_t len;
  int overflow;
} ts_json;

static inline void ts_json_init(ts_json *j, char *buf, uint64_t cap) {
  j->data = buf;
  j->cap = cap;
  j->len = 0;
  j->overflow = cap == 0;
}

static inline void ts_json_byte(ts_json *j, char c) {
  if (j->len + 1 < j->cap) j->data[j->len++] = c; /* keep room for the final NUL */
  else j->overflow = 1;
}

/* Appends n bytes of JSON text as is (not checked). */
static inline void ts_json_raw_n(ts_json *j, const char *s, uint64_t n) {
  for (uint64_t i = 0; i < n; i++) ts_json_byte(j, s[i]);
}

static inline void ts_json_raw(ts_json *j, const char *s) {
  ts_json_raw_n(j, s, ts_strlen(s));
}

/* A comma when the previous token was a value (not after '{', '[', ':' or at the start). */
static inline void ts_json_separator(ts_json *j) {
  if (j->len == 0) return;
  char last = j->data[j->len - 1];
  if (last != '{' && last != '[' && last != ':' && last != ',') ts_json_byte(j, ',');
}

/* Appends n bytes of UTF-8 text as a JSON string: `"` and `\` are escaped, control characters
 * (U+0000-U+001F) become \n, \t, ... or \u00XX; other bytes, including multi-byte UTF-8, are
 * copied. (The host refuses a request that is not valid UTF-8 with "bad_request".) */
static inline void ts_json_string_n(ts_json *j, const char *s, uint64_t n) {
  static const char hex[] = "0123456789abcdef";
  ts_json_separator(j);
  ts_json_byte(j, '"');
  for (uint64_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    if (c == '"' || c == '\\') {
      ts_json_byte(j, '\\');
      ts_json_byte(j, (char)c);
    } else if (c < 0x20) {
      ts_json_byte(j, '\\');
      switch (c) {
        case '\n': ts_json_byte(j, 'n'); break;
        case '\r': ts_json_byte(j, 'r'); break;
        case '\t': ts_json_byte(j, 't'); break;
        case '\b': ts_json_byte(j, 'b'); break;
        case '\f': ts_json_byte(j, 'f'); break;
        default:
          ts_json_raw_n(j, "u00", 3);
          ts_json_byte(j, hex[c >> 4]);
          ts_json_byte(j, hex[c & 15]);
      }
    } else {
      ts_json_byte(j, (char)c);
    }
  }
  ts_json_byte(j, '"');
}

static inline void ts_json_string(ts_json *j, const char *s) {
  ts_json_string_n(j, s, ts_strlen(s));
}

static inline void ts_json_int(ts_json *j, int64_t value) {
  char tmp[20];
  int n = 0;
  uint64_t u = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  ts_json_separator(j);
  if (value < 0) ts_json_byte(j, '-');
  while (n) ts_json_byte(j, tmp[--n]);
}

static inline void ts_json_bool(ts_json *j, int value) {
  ts_json_separator(j);
  ts_json_raw(j, value ? "true" : "false");
}

static inline void ts_json_null(ts_json *j) {
  ts_json_separator(j);
  ts_json_raw(j, "null");
}

/* Appends JSON text as one value (e.g. a value from a reply), with the separator it needs. */
static inline void ts_json_value_n(ts_json *j, const char *json, uint64_t n) {
  ts_json_separator(j);
  ts_json_raw_n(j, json, n);
}

static inline void ts_json_value(ts_json *j, const char *json) {
  ts_json_value_n(j, json, ts_strlen(json));
}

static inline void ts_json_begin_object(ts_json *j) {
  ts_json_separator(j);
  ts_json_byte(j, '{');
}

static inline void ts_json_end_object(ts_json *j) {
  ts_json_byte(j, '}');
}

static inline void ts_json_begin_array(ts_json *j) {
  ts_json_separator(j);
  ts_json_byte(j, '[');
}

static inline void ts_json_end_array(ts_json *j) {
  ts_json_byte(j, ']');
}

/* Writes a member name and the colon; write its value next. */
static inline void ts_json_key(ts_json *j, const char *key) {
  ts_json_string(j, key);
  ts_json_byte(j, ':');
}

/* NUL-terminates the text and returns it, or NULL when it did not fit in the buffer. */
static inline const char *ts_json_finish(ts_json *j) {
  if (j->cap == 0) return 0;
  j->data[j->len < j->cap ? j->len : j->cap - 1] = 0;
  return j->overflow ? 0 : j->data;
}

/* ---------------------------------------------------------------------------------------------
 * Calling the host and reading replies */

/* Sends `request` (JSON text, NUL-terminated) to host function `fn` and copies the reply into
 * `reply` (at most cap - 1 bytes, NUL-terminated). Returns the reply's full length: a result
 * >= cap means the reply was cut short (use a bigger buffer). The request and reply blocks are
 * freed. A NULL request (e.g. from an overflowing ts_json_finish) sends nothing and returns 0
 * with an empty reply, which ts_reply_ok() reports as not ok.
 *
 *   char reply[256];
 *   ts_call(ts_kv_get, "{\"key\":\"visits\"}", reply, sizeof reply);   // {"ok":3}
 */
static inline uint64_t ts_call(ts_host_fn fn, const char *request, char *reply, uint64_t cap) {
  if (request == 0) {
    if (cap > 0) reply[0] = 0;
    return 0;
  }
  ExtismHandle req = ts_block(request, ts_strlen(request));
  ExtismHandle res = fn(req);
  extism_free(req);
  uint64_t n = ts_block_read(res, reply, cap);
  if (res) extism_free(res);
  return n;
}

static inline const char *ts__skip_space(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  return p;
}

static inline int ts__starts_with(const char *p, const char *prefix) {
  while (*prefix)
    if (*p++ != *prefix++) return 0;
  return 1;
}

/* After the end of the JSON string that starts at p (a '"'), or NULL when it is unterminated. */
static inline const char *ts__skip_string(const char *p) {
  for (p++; *p; p++) {
    if (*p == '\\') {
      if (!*++p) return 0;
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return 0;
}

/* True when the reply is {"ok": ...}. */
static inline int ts_reply_ok(const char *reply) {
  const char *p = ts__skip_space(reply);
  if (*p != '{') return 0;
  p = ts__skip_space(p + 1);
  return ts__starts_with(p, "\"ok\"");
}

/* The ok value's JSON text inside the reply (not NUL-terminated; its length in *len), or NULL
 * when the reply is an error. For {"ok":{"a":1}} it points at {"a":1} with *len 7. */
static inline const char *ts_reply_value(const char *reply, uint64_t *len) {
  if (!ts_reply_ok(reply)) return 0;
  const char *p = ts__skip_space(ts__skip_space(reply) + 1) + 4; /* after "ok" */
  p = ts__skip_space(p);
  if (*p != ':') return 0;
  p = ts__skip_space(p + 1);
  const char *end = p + ts_strlen(p);
  /* The value runs to the reply's closing brace. */
  while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t')) end--;
  if (end > p && end[-1] == '}') end--;
  while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t')) end--;
  *len = (uint64_t)(end - p);
  return p;
}

/* Decodes the JSON string literal at `json` (which must start with '"') into UTF-8 in `out`
 * (at most cap - 1 bytes, NUL-terminated): \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs
 * included (a lone surrogate becomes U+FFFD). Returns the decoded length (a result >= cap
 * means it was cut short), or -1 when `json` is not a well-formed string literal. */
static inline int64_t ts_json_string_value(const char *json, char *out, uint64_t cap) {
  uint64_t n = 0;
#define TS__PUT(c)                          \
  do {                                      \
    if (n + 1 < cap) out[n] = (char)(c);    \
    n++;                                    \
  } while (0)
  const char *p = json;
  if (*p != '"') return -1;
  for (p++;; p++) {
    uint8_t c = (uint8_t)*p;
    if (c == 0 || c < 0x20) return -1;
    if (c == '"') break;
    if (c != '\\') {
      TS__PUT(c);
      continue;
    }
    c = (uint8_t)*++p;
    switch (c) {
      case '"': TS__PUT('"'); break;
      case '\\': TS__PUT('\\'); break;
      case '/': TS__PUT('/'); break;
      case 'b': TS__PUT('\b'); break;
      case 'f': TS__PUT('\f'); break;
      case 'n': TS__PUT('\n'); break;
      case 'r': TS__PUT('\r'); break;
      case 't': TS__PUT('\t'); break;
      case 'u': {
        uint32_t cp = 0;
        for (int k = 0; k < 4; k++) {
          char h = *++p;
          uint32_t d = (h >= '0' && h <= '9') ? (uint32_t)(h - '0') : (h >= 'a' && h <= 'f') ? (uint32_t)(h - 'a' + 10) : (h >= 'A' && h <= 'F') ? (uint32_t)(h - 'A' + 10) : 99u;
          if (d == 99u) return -1;
          cp = cp << 4 | d;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && p[1] == '\\' && p[2] == 'u') {
          uint32_t lo = 0;
          int ok = 1;
          for (int k = 0; k < 4; k++) {
            char h = p[3 + k];
            uint32_t d = (h >= '0' && h <= '9') ? (uint32_t)(h - '0') : (h >= 'a' && h <= 'f') ? (uint32_t)(h - 'a' + 10) : (h >= 'A' && h <= 'F') ? (uint32_t)(h - 'A' + 10) : 99u;
            if (d == 99u) ok = 0;
            lo = lo << 4 | (d & 15u);
          }
          if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* a lone surrogate */
        if (cp < 0x80) {
          TS__PUT(cp);
        } else if (cp < 0x800) {
          TS__PUT(0xC0 | cp >> 6);
          TS__PUT(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          TS__PUT(0xE0 | cp >> 12);
          TS__PUT(0x80 | ((cp >> 6) & 0x3F));
          TS__PUT(0x80 | (cp & 0x3F));
        } else {
          TS__PUT(0xF0 | cp >> 18);
          TS__PUT(0x80 | ((cp >> 12) & 0x3F));
          TS__PUT(0x80 | ((cp >> 6) & 0x3F));
          TS__PUT(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        return -1;
    }
  }
#undef TS__PUT
  if (cap > 0) out[n < cap ? n : cap - 1] = 0;
  return (int64_t)n;
}

/* The error code of an error reply into `code` (NUL-terminated), e.g. "permission_denied";
 * returns 1, or 0 (and an empty code) when the reply is not an error. */
static inline int ts_reply_error_code(const char *reply, char *code, uint64_t cap) {
  if (cap > 0) code[0] = 0;
  if (ts_reply_ok(reply)) return 0;
  /* Find the member "code" inside "error", skipping over string contents. */
  const char *p = reply;
  while (*p) {
    if (*p == '"') {
      int is_code = ts__starts_with(p, "\"code\"");
      const char *after = ts__skip_string(p);
      if (!after) return 0;
      if (is_code) {
        after = ts__skip_space(after);
        if (*after == ':') {
          after = ts__skip_space(after + 1);
          return ts_json_string_value(after, code, cap) >= 0;
        }
      }
      p = after;
    } else {
      p++;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Shortcuts for common requests. Each builds the request with ts_json, calls the host function
 * and copies the reply into `reply` like ts_call (returning its full length). */

/* ts_log {"level", "message"}: level is "trace", "debug", "info", "warn" or "error". Returns 1 when logged. */
static inline int ts_log_message(const char *level, const char *message) {
  char buf[1024];
  char reply[64];
  ts_json j;
  ts_json_init(&j, buf, sizeof buf);
  ts_json_begin_object(&j);
  ts_json_key(&j, "level");
  ts_json_string(&j, level);
  ts_json_key(&j, "message");
  ts_json_string(&j, message);
  ts_json_end_object(&j);
  ts_call(ts_log, ts_json_finish(&j), reply, sizeof reply);
  return ts_reply_ok(reply);
}

/* ts_kv_get {"key"} -> {"ok": value | null} */
static inline uint64_t ts_kv_get_key(const char *key, char *reply, uint64_t cap) {
  char buf[600];
  ts_json j;
  ts_json_init(&j, buf, sizeof buf);
  ts_json_begin_object(&j);
  ts_json_key(&j, "key");
  ts_json_string(&j, key);
  ts_json_end_object(&j);
  return ts_call(ts_kv_get, ts_json_finish(&j), reply, cap);
}

/* ts_kv_set {"key", "value"}: value_json is JSON text (e.g. "3", "\"text\"", "{\"a\":1}"). */
static inline uint64_t ts_kv_set_json(const char *key, const char *value_json, char *request_buf, uint64_t request_cap, char *reply, uint64_t cap) {
  ts_json j;
  ts_json_init(&j, request_buf, request_cap);
  ts_json_begin_object(&j);
  ts_json_key(&j, "key");
  ts_json_string(&j, key);
  ts_json_key(&j, "value");
  ts_json_value(&j, value_json);
  ts_json_end_object(&j);
  return ts_call(ts_kv_set, ts_json_finish(&j), reply, cap);
}

/* ts_memory_get {"id"} -> {"ok": record} or error not_found */
static inline uint64_t ts_memory_get_id(const char *id, char *reply, uint64_t cap) {
  char buf[600];
  ts_json j;
  ts_json_init(&j, buf, sizeof buf);
  ts_json_begin_object(&j);
  ts_json_key(&j, "id");
  ts_json_string(&j, id);
  ts_json_end_object(&j);
  return ts_call(ts_memory_get, ts_json_finish(&j), reply, cap);
}

/* ts_config_get {"key"} -> {"ok": value | null} */
static inline uint64_t ts_config_get_key(const char *key, char *reply, uint64_t cap) {
  char buf[600];
  ts_json j;
  ts_json_init(&j, buf, sizeof buf);
  ts_json_begin_object(&j);
  ts_json_key(&j, "key");
  ts_json_string(&j, key);
  ts_json_end_object(&j);
  return ts_call(ts_config_get, ts_json_finish(&j), reply, cap);
}

/* ts_event_emit {"topic", "payload"?}: payload_json is JSON text, or NULL for none. */
static inline uint64_t ts_event_emit_json(const char *topic, const char *payload_json, char *request_buf, uint64_t request_cap, char *reply, uint64_t cap) {
  ts_json j;
  ts_json_init(&j, request_buf, request_cap);
  ts_json_begin_object(&j);
  ts_json_key(&j, "topic");
  ts_json_string(&j, topic);
  if (payload_json) {
    ts_json_key(&j, "payload");
    ts_json_value(&j, payload_json);
  }
  ts_json_end_object(&j);
  return ts_call(ts_event_emit, ts_json_finish(&j), reply, cap);
}

#endif /* THREADSPACE_H */
