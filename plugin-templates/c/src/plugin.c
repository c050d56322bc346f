/*
 * {{name}}: a Threadspace plugin in C (clang, wasm32, no libc), made by `threadspace init-plugin`.
 *
 *   greet("Ada") -> "Hello, Ada! (visit #1)"   (greeting from config key "greeting")
 *
 * Build: npx threadspace build      Test: npx threadspace test      Pack: npx threadspace pack
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
  ts_log_message("info", "greeted");
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
