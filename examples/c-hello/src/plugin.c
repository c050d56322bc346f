/* c-hello: a Threadspace plugin in plain C, built with clang for wasm32 without a libc.
 *
 *   greet("Wörld")    -> "Hello, Wörld!"  (greeting from config key "greeting")
 *   reverse("añb 🌍") -> "🌍 bña"         (reverses UTF-8 code points, not bytes)
 *   uppercase("abc")  -> "ABC"            (ASCII letters only; other bytes unchanged)
 *
 * Lifecycle exports: init_plugin, get_metadata, health_check, cleanup.
 * Every export returns 0, or calls error_set and returns 1.
 * Build: clang --target=wasm32-unknown-unknown -O2 -nostdlib -Wl,--no-entry
 *        -Wl,--export-dynamic -Wl,--strip-all -o plugin.wasm src/plugin.c
 */
#include "extism.h"

/* Must match plugin.json: the engine compares name and version, and the build checks them. */
static const char METADATA[] =
    "{\"name\":\"c-hello\",\"version\":\"1.0.0\","
    "\"description\":\"Text tools in plain C (clang, no libc): greet, reverse and uppercase.\","
    "\"capabilities\":[\"greeting\",\"text-transform\"]}";

static uint64_t calls_served;

static uint64_t c_strlen(const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Copies bytes into a new host block. */
static ExtismHandle block_from(const char *bytes, uint64_t n) {
  ExtismHandle h = extism_alloc(n);
  for (uint64_t i = 0; i < n; i++) extism_store_u8(h + i, (uint8_t)bytes[i]);
  return h;
}

static void output_str(const char *s) {
  uint64_t n = c_strlen(s);
  extism_output_set(block_from(s, n), n);
}

static int32_t fail(const char *message) {
  extism_error_set(block_from(message, c_strlen(message)));
  return 1;
}

/* Writes n in decimal at out; returns the number of characters (at most 20). */
static int u64_to_dec(uint64_t n, char *out) {
  char tmp[20];
  int len = 0;
  do {
    tmp[len++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  for (int i = 0; i < len; i++) out[i] = tmp[len - 1 - i];
  return len;
}

static const char GREETING_KEY[] = "greeting";
#define MAX_GREETING_BYTES 100

/* The configured greeting's block, or 0 when config has no "greeting". */
static ExtismHandle config_greeting(void) {
  return extism_config_get(block_from(GREETING_KEY, sizeof GREETING_KEY - 1));
}

/* Fails (error_set) when config.greeting is longer than 100 bytes; an empty one means "Hello". */
EXTISM_EXPORT(init_plugin) int32_t init_plugin(void) {
  ExtismHandle config = config_greeting();
  if (config) {
    uint64_t len = extism_length(config);
    extism_free(config);
    if (len > MAX_GREETING_BYTES) return fail("config.greeting must be at most 100 bytes of text");
  }
  calls_served = 0;
  return 0;
}

EXTISM_EXPORT(get_metadata) int32_t get_metadata(void) {
  output_str(METADATA);
  return 0;
}

/* Input: a name (UTF-8; empty means "World"). Output: "<greeting>, <name>!". */
EXTISM_EXPORT(greet) int32_t greet(void) {
  ExtismHandle config = config_greeting();
  uint64_t greeting_len = config ? extism_length(config) : 0;
  uint64_t name_len = extism_input_length();
  const char *fallback_greeting = "Hello";
  const char *fallback_name = "World";
  uint64_t g = greeting_len ? greeting_len : c_strlen(fallback_greeting);
  uint64_t n = name_len ? name_len : c_strlen(fallback_name);

  uint64_t total = g + 2 + n + 1;
  ExtismHandle out = extism_alloc(total);
  uint64_t at = 0;
  for (uint64_t i = 0; i < g; i++)
    extism_store_u8(out + at++, greeting_len ? extism_load_u8(config + i) : (uint8_t)fallback_greeting[i]);
  extism_store_u8(out + at++, ',');
  extism_store_u8(out + at++, ' ');
  for (uint64_t i = 0; i < n; i++)
    extism_store_u8(out + at++, name_len ? extism_input_load_u8(i) : (uint8_t)fallback_name[i]);
  extism_store_u8(out + at++, '!');
  extism_output_set(out, total);
  if (config) extism_free(config);
  calls_served++;
  return 0;
}

/* Input: UTF-8 text. Output: its code points in reverse order. A lead byte keeps the
 * continuation bytes (10xxxxxx) that follow it, so multi-byte characters stay intact and
 * the output is always a permutation of the input bytes (invalid UTF-8 included). */
EXTISM_EXPORT(reverse) int32_t reverse(void) {
  uint64_t n = extism_input_length();
  ExtismHandle out = extism_alloc(n);
  uint64_t start = 0;
  while (start < n) {
    uint64_t len = 1;
    while (start + len < n && (extism_input_load_u8(start + len) & 0xC0) == 0x80) len++;
    uint64_t dest = n - start - len;
    for (uint64_t k = 0; k < len; k++) extism_store_u8(out + dest + k, extism_input_load_u8(start + k));
    start += len;
  }
  extism_output_set(out, n);
  calls_served++;
  return 0;
}

static uint8_t upper(uint8_t c) { return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c; }

/* Input: bytes. Output: the same bytes with ASCII a-z made upper case (8 bytes per host call). */
EXTISM_EXPORT(uppercase) int32_t uppercase(void) {
  uint64_t n = extism_input_length();
  ExtismHandle out = extism_alloc(n);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = extism_input_load_u64(i), result = 0;
    for (int b = 0; b < 8; b++) result |= (uint64_t)upper((uint8_t)(word >> (8 * b))) << (8 * b);
    extism_store_u64(out + i, result);
  }
  for (; i < n; i++) extism_store_u8(out + i, upper(extism_input_load_u8(i)));
  extism_output_set(out, n);
  calls_served++;
  return 0;
}

EXTISM_EXPORT(health_check) int32_t health_check(void) {
  static const char head[] = "{\"status\":\"healthy\",\"message\":\"serving text\",\"metrics\":{\"calls\":";
  char buf[sizeof head + 24];
  uint64_t len = 0;
  for (; head[len]; len++) buf[len] = head[len];
  len += (uint64_t)u64_to_dec(calls_served, buf + len);
  buf[len++] = '}';
  buf[len++] = '}';
  extism_output_set(block_from(buf, len), len);
  return 0;
}

EXTISM_EXPORT(cleanup) int32_t cleanup(void) {
  calls_served = 0;
  return 0;
}
