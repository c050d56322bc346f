/* plain-extism: an ordinary Extism plugin, standing for one built elsewhere with any PDK.
 * It has no init_plugin/get_metadata/health_check/cleanup: plugin.json says "interface": "extism",
 * so Threadspace loads it without the lifecycle and only calls its exports.
 *
 *   echo(bytes)                   -> the same bytes
 *   count_vowels("Hello, World!") -> {"count":3}   (ASCII a, e, i, o, u in either case)
 *
 * Only the Extism kernel imports it uses are declared, straight from module "extism:host/env".
 */
#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(input_length) uint64_t input_length(void);
IMPORT(input_load_u8) uint8_t input_load_u8(uint64_t offset);
IMPORT(input_load_u64) uint64_t input_load_u64(uint64_t offset);
IMPORT(alloc) uint64_t alloc(uint64_t length);
IMPORT(store_u8) void store_u8(uint64_t address, uint8_t value);
IMPORT(store_u64) void store_u64(uint64_t address, uint64_t value);
IMPORT(output_set) void output_set(uint64_t handle, uint64_t length);

EXPORT(echo) int32_t echo(void) {
  uint64_t n = input_length();
  uint64_t out = alloc(n);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) store_u64(out + i, input_load_u64(i));
  for (; i < n; i++) store_u8(out + i, input_load_u8(i));
  output_set(out, n);
  return 0;
}

EXPORT(count_vowels) int32_t count_vowels(void) {
  uint64_t n = input_length(), count = 0;
  for (uint64_t i = 0; i < n; i++) {
    switch (input_load_u8(i) | 0x20) { /* ASCII lower case; other bytes never match */
      case 'a': case 'e': case 'i': case 'o': case 'u': count++;
    }
  }
  char json[40] = "{\"count\":";
  int len = 9;
  char digits[20];
  int d = 0;
  do {
    digits[d++] = (char)('0' + count % 10);
    count /= 10;
  } while (count);
  while (d) json[len++] = digits[--d];
  json[len++] = '}';
  uint64_t out = alloc((uint64_t)len);
  for (int i = 0; i < len; i++) store_u8(out + (uint64_t)i, (uint8_t)json[i]);
  output_set(out, (uint64_t)len);
  return 0;
}
