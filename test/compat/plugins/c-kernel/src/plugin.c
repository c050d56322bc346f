/* A plain Extism plugin in C, as written for any Extism host: kernel imports declared by hand
 * (no Threadspace header), a custom host function in "extism:host/user", HTTP, vars, config, logs.
 * Built by scripts/build-compat.mjs for test/compat. */
#include <stdint.h>

#define ENV(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define USER(name) __attribute__((import_module("extism:host/user"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

ENV(input_length) uint64_t input_length(void);
ENV(input_load_u8) uint8_t input_load_u8(uint64_t offset);
ENV(alloc) uint64_t alloc(uint64_t length);
ENV(length) uint64_t length(uint64_t handle);
ENV(load_u8) uint8_t load_u8(uint64_t address);
ENV(store_u8) void store_u8(uint64_t address, uint8_t value);
ENV(output_set) void output_set(uint64_t handle, uint64_t length);
ENV(error_set) void error_set(uint64_t handle);
ENV(config_get) uint64_t config_get(uint64_t key);
ENV(var_get) uint64_t var_get(uint64_t key);
ENV(var_set) void var_set(uint64_t key, uint64_t value);
ENV(log_info) void log_info(uint64_t message);
ENV(http_request) uint64_t http_request(uint64_t request, uint64_t body);
ENV(http_status_code) int32_t http_status_code(void);
USER(hello_world) uint64_t hello_world(uint64_t name);

static char buffer[65536];

static uint64_t block_of(const char *bytes, uint64_t n) {
  uint64_t handle = alloc(n);
  for (uint64_t i = 0; i < n; i++) store_u8(handle + i, (uint8_t)bytes[i]);
  return handle;
}

static uint64_t cstr_len(const char *s) {
  uint64_t n = 0;
  while (s[n] != 0) n++;
  return n;
}

static uint64_t block_of_cstr(const char *s) { return block_of(s, cstr_len(s)); }

/* Copies a block into `buffer` (up to its size); returns the length copied. */
static uint64_t read_block(uint64_t handle) {
  uint64_t n = handle == 0 ? 0 : length(handle);
  if (n > sizeof buffer) n = sizeof buffer;
  for (uint64_t i = 0; i < n; i++) buffer[i] = (char)load_u8(handle + i);
  return n;
}

static uint64_t input_block(void) {
  uint64_t n = input_length();
  uint64_t handle = alloc(n);
  for (uint64_t i = 0; i < n; i++) store_u8(handle + i, input_load_u8(i));
  return handle;
}

static void output_handle(uint64_t handle) { output_set(handle, handle == 0 ? 0 : length(handle)); }

static uint64_t write_decimal(char *out, int64_t value) {
  char digits[24];
  uint64_t n = 0, at = 0;
  if (value < 0) { out[at++] = '-'; value = -value; }
  do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value > 0);
  while (n > 0) out[at++] = digits[--n];
  return at;
}

/* "<greeting from config>, <input>" ("hello" without the config key). */
EXPORT(greet) int32_t greet(void) {
  uint64_t value = config_get(block_of_cstr("greeting"));
  uint64_t n = value == 0 ? 0 : read_block(value);
  if (value == 0) { const char *h = "hello"; for (n = 0; h[n]; n++) buffer[n] = h[n]; }
  buffer[n++] = ',';
  buffer[n++] = ' ';
  uint64_t in = input_length();
  for (uint64_t i = 0; i < in && n < sizeof buffer; i++) buffer[n++] = (char)input_load_u8(i);
  output_handle(block_of(buffer, n));
  return 0;
}

/* Increments the var "n" (a decimal string) and outputs it: state that survives calls. */
EXPORT(count) int32_t count(void) {
  uint64_t value = var_get(block_of_cstr("n"));
  int64_t n = 0;
  uint64_t len = value == 0 ? 0 : read_block(value);
  for (uint64_t i = 0; i < len; i++) n = n * 10 + (buffer[i] - '0');
  n += 1;
  uint64_t written = write_decimal(buffer, n);
  uint64_t next = block_of(buffer, written);
  var_set(block_of_cstr("n"), next); /* a fresh key block: rc13's var_get frees the one it was given */
  output_handle(next);
  return 0;
}

/* Logs the input at info level; outputs "logged". */
EXPORT(log_input) int32_t log_input(void) {
  log_info(input_block());
  output_handle(block_of_cstr("logged"));
  return 0;
}

/* Calls the embedder's extism:host/user hello_world with the input; outputs its answer. */
EXPORT(hello) int32_t hello(void) {
  output_handle(hello_world(input_block()));
  return 0;
}

/* Fails with an error the plugin sets itself. */
EXPORT(fail) int32_t fail(void) {
  error_set(block_of_cstr("failed on purpose"));
  return 1;
}

/* The input is an Extism HTTP request ({"url", "method", "headers"}); outputs the response body. */
EXPORT(fetch) int32_t fetch(void) {
  output_handle(http_request(input_block(), 0));
  return 0;
}

/* Like fetch, then outputs "<status> <body length>". */
EXPORT(fetch_status) int32_t fetch_status(void) {
  uint64_t body = http_request(input_block(), 0);
  uint64_t n = write_decimal(buffer, http_status_code());
  buffer[n++] = ' ';
  n += write_decimal(buffer + n, (int64_t)(body == 0 ? 0 : length(body)));
  output_handle(block_of(buffer, n));
  return 0;
}
