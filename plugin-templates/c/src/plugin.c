/*
 * {{name}}: a Threadspace plugin in C (clang, wasm32, no libc), made by `threadspace init-plugin`.
 *
 *   greet("Ada")      -> "Hello, Ada! (visit #1)"   (greeting from config key "greeting")
 *   remember("text")  -> stores the text as a memory tagged "note", replies with its id
 *   recall("note")    -> {"tag":"note","count":N}: counts the memories with that tag, emits
 *                        notes.recalled {"tag","count"} and logs it
 *
 * Build: npx threadspace build      Test: npx threadspace test      Pack: npx threadspace pack
 * Tests: tests/cases.json (calls and their outputs) and tests/plugin.test.ts (Vitest, @threadspace/testing).
 */
#include "threadspace.h"

/* get_metadata must report plugin.json's name and version: the engine compares them at install. */
static const char METADATA[] = "{\"name\":\"{{name}}\",\"version\":\"0.1.0\",\"capabilities\":[\"greeting\"]}";

static char name[256];
static char greeting[128];
static char reply[1024];
static char key[300];
static char request[512];
static char number[24];
static char text[512];
static int64_t served = 0;

/* Copies s into out at *at (bounded); returns 0 when it did not fit. */
static int append(char *out, uint64_t cap, uint64_t *at, const char *s, uint64_t n) {
  if (*at + n >= cap) return 0;
  for (uint64_t i = 0; i < n; i++) out[(*at)++] = s[i];
  out[*at] = 0;
  return 1;
}

TS_EXPORT(init_plugin) int32_t init_plugin(void) {
  served = 0;
  return 0;
}

TS_EXPORT(get_metadata) int32_t get_metadata(void) {
  ts_output_str(METADATA);
  return 0;
}

TS_EXPORT(health_check) int32_t health_check(void) {
  ts_output_str("{\"status\":\"healthy\",\"message\":\"ok\"}");
  return 0;
}

TS_EXPORT(cleanup) int32_t cleanup(void) { return 0; }

/* Input: a name (UTF-8; empty means "World"). Output: a greeting that counts visits per name. */
TS_EXPORT(greet) int32_t greet(void) {
  uint64_t n = ts_input_read(name, sizeof name);
  if (n >= sizeof name) return ts_fail("the name is longer than 255 bytes");
  const char *who = n == 0 ? "World" : name;
  if (n == 0) n = ts_strlen(who);

  /* The greeting from config (a JSON string), "Hello" when unset. */
  ts_config_get_key("greeting", reply, sizeof reply);
  uint64_t value_len = 0;
  const char *hello = ts_json_string_value(ts_reply_value(reply, &value_len), greeting, sizeof greeting) > 0 ? greeting : "Hello";

  /* visits:<name> in key-value state: {"ok":3} or {"ok":null}. */
  uint64_t at = 0;
  key[0] = 0;
  append(key, sizeof key, &at, "visits:", 7);
  append(key, sizeof key, &at, who, n);
  ts_kv_get_key(key, reply, sizeof reply);
  char code[32];
  if (ts_reply_error_code(reply, code, sizeof code)) return ts_fail(code);
  uint64_t len = 0;
  const char *value = ts_reply_value(reply, &len);
  int64_t visits = 0;
  for (uint64_t i = 0; i < len && value[i] >= '0' && value[i] <= '9'; i++) visits = visits * 10 + (value[i] - '0');
  visits++;

  ts_json j;
  ts_json_init(&j, number, sizeof number);
  ts_json_int(&j, visits);
  const char *count = ts_json_finish(&j);
  ts_kv_set_json(key, count, request, sizeof request, reply, sizeof reply);
  if (ts_reply_error_code(reply, code, sizeof code)) return ts_fail(code);
  at = 0;
  text[0] = 0;
  append(text, sizeof text, &at, "greeted ", 8);
  append(text, sizeof text, &at, who, n);
  ts_log_message("info", text);
  served++;

  at = 0;
  text[0] = 0;
  if (!append(text, sizeof text, &at, hello, ts_strlen(hello)) || !append(text, sizeof text, &at, ", ", 2) ||
      !append(text, sizeof text, &at, who, n) || !append(text, sizeof text, &at, "! (visit #", 10) ||
      !append(text, sizeof text, &at, count, ts_strlen(count)) || !append(text, sizeof text, &at, ")", 1)) {
    return ts_fail("the greeting is too long");
  }
  ts_output_str(text);
  return 0;
}

/* After the spaces at p. */
static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

/* After the JSON string that starts at p (a '"'), or NULL when it is unterminated. */
static const char *skip_string(const char *p) {
  for (p++; *p; p++) {
    if (*p == '\\' && p[1]) p++;
    else if (*p == '"') return p + 1;
  }
  return 0;
}

/* After the JSON value at p (string, number, literal, object or array), or NULL when it is cut short. */
static const char *skip_value(const char *p) {
  p = skip_space(p);
  if (*p == '"') return skip_string(p);
  if (*p != '{' && *p != '[') {
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ') p++;
    return p;
  }
  int depth = 0;
  while (*p) {
    if (*p == '"') {
      p = skip_string(p);
      if (!p) return 0;
      continue;
    }
    if (*p == '{' || *p == '[') depth++;
    if (*p == '}' || *p == ']') {
      if (--depth == 0) return p + 1;
    }
    p++;
  }
  return 0;
}

/* Copies the string field `key` of the JSON object at p into out; returns its length, or -1. */
static int64_t string_field(const char *p, const char *key, char *out, uint64_t cap) {
  p = skip_space(p);
  if (*p != '{') return -1;
  p = skip_space(p + 1);
  while (*p == '"') {
    const char *key_end = skip_string(p);
    if (!key_end) return -1;
    uint64_t n = ts_strlen(key);
    int same = (uint64_t)(key_end - p) == n + 2;
    for (uint64_t i = 0; same && i < n; i++) same = p[i + 1] == key[i];
    p = skip_space(key_end);
    if (*p != ':') return -1;
    p = skip_space(p + 1);
    if (same) return *p == '"' ? ts_json_string_value(p, out, cap) : -1;
    p = skip_value(p);
    if (!p) return -1;
    p = skip_space(p);
    if (*p == ',') p = skip_space(p + 1);
  }
  return -1;
}

static char note[4096];
static char big_request[8192];
static char big_reply[65536];
static char id[128];

/* Input: text. Stores it as a memory tagged "note"; output: the memory's id. */
TS_EXPORT(remember) int32_t remember(void) {
  uint64_t n = ts_input_read(note, sizeof note);
  if (n == 0) return ts_fail("nothing to remember: send the text as input");
  if (n >= sizeof note) return ts_fail("the text is longer than 4095 bytes");
  ts_json j;
  ts_json_init(&j, big_request, sizeof big_request);
  ts_json_begin_object(&j);
  ts_json_key(&j, "content");
  ts_json_string_n(&j, note, n);
  ts_json_key(&j, "tags");
  ts_json_begin_array(&j);
  ts_json_string(&j, "note");
  ts_json_end_array(&j);
  ts_json_end_object(&j);
  ts_call(ts_memory_put, ts_json_finish(&j), big_reply, sizeof big_reply);
  char code[32];
  if (ts_reply_error_code(big_reply, code, sizeof code)) return ts_fail(code);
  uint64_t len = 0;
  const char *record = ts_reply_value(big_reply, &len);
  if (!record || string_field(record, "id", id, sizeof id) < 0) return ts_fail("the host's reply has no memory id");
  ts_output_str(id);
  return 0;
}

/* Input: a tag (empty means "note"). Output: {"tag","count"}; emits notes.recalled with the same. */
TS_EXPORT(recall) int32_t recall(void) {
  uint64_t n = ts_input_read(name, sizeof name);
  if (n >= sizeof name) return ts_fail("the tag is longer than 255 bytes");
  if (n == 0) {
    const char *fallback = "note";
    for (n = 0; fallback[n]; n++) name[n] = fallback[n];
    name[n] = 0;
  }
  ts_json j;
  ts_json_init(&j, request, sizeof request);
  ts_json_begin_object(&j);
  ts_json_key(&j, "tag");
  ts_json_string_n(&j, name, n);
  ts_json_key(&j, "limit");
  ts_json_int(&j, 1000);
  ts_json_end_object(&j);
  uint64_t size = ts_call(ts_memory_query, ts_json_finish(&j), big_reply, sizeof big_reply);
  char code[32];
  if (ts_reply_error_code(big_reply, code, sizeof code)) return ts_fail(code);
  if (size >= sizeof big_reply) return ts_fail("too many memories to count in one reply");

  /* Count the array's elements. */
  uint64_t len = 0;
  const char *p = ts_reply_value(big_reply, &len);
  int64_t count = 0;
  if (!p || *(p = skip_space(p)) != '[') return ts_fail("the host's reply is not a list");
  p = skip_space(p + 1);
  while (*p && *p != ']') {
    p = skip_value(p);
    if (!p) return ts_fail("the host's reply is cut short");
    count++;
    p = skip_space(p);
    if (*p == ',') p = skip_space(p + 1);
  }

  ts_json_init(&j, text, sizeof text);
  ts_json_begin_object(&j);
  ts_json_key(&j, "tag");
  ts_json_string_n(&j, name, n);
  ts_json_key(&j, "count");
  ts_json_int(&j, count);
  ts_json_end_object(&j);
  const char *summary = ts_json_finish(&j);
  if (!summary) return ts_fail("the tag is too long");
  ts_event_emit_json("notes.recalled", summary, big_request, sizeof big_request, reply, sizeof reply);
  if (ts_reply_error_code(reply, code, sizeof code)) return ts_fail(code);

  /* "recalled <count> memories tagged <tag>" */
  uint64_t at = 0;
  ts_json_init(&j, number, sizeof number);
  ts_json_int(&j, count);
  const char *digits = ts_json_finish(&j);
  note[0] = 0;
  append(note, sizeof note, &at, "recalled ", 9);
  append(note, sizeof note, &at, digits, ts_strlen(digits));
  append(note, sizeof note, &at, " memories tagged ", 17);
  append(note, sizeof note, &at, name, n);
  ts_log_message("info", note);
  ts_output_str(summary);
  return 0;
}
