/* hash-sort: a CPU-bound plain Extism plugin (C, no libc), the C workload of bench/fuel.
 *
 *   hash_sort("100000 7") -> {"count":100000,"checksum":...,"min":...,"median":...,"max":...}
 *
 * Generates `count` numbers (at most 1,000,000) from `seed` with xorshift32, hashes each with
 * FNV-1a over its four bytes, sorts the hashes (iterative quicksort with insertion sort for
 * short runs), and reports an order-dependent checksum with the minimum, median and maximum.
 */
#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(input_length) uint64_t input_length(void);
IMPORT(input_load_u8) uint8_t input_load_u8(uint64_t offset);
IMPORT(alloc) uint64_t alloc(uint64_t length);
IMPORT(store_u8) void store_u8(uint64_t address, uint8_t value);
IMPORT(output_set) void output_set(uint64_t handle, uint64_t length);
IMPORT(error_set) void error_set(uint64_t handle);

#define MAX_COUNT 1000000
static uint32_t values[MAX_COUNT];

static uint32_t fnv1a(uint32_t x) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 4; i++) {
    h ^= (x >> (8 * i)) & 0xff;
    h *= 16777619u;
  }
  return h;
}

static void insertion_sort(uint32_t *a, int lo, int hi) {
  for (int i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    int j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void sort(uint32_t *a, int n) {
  int stack[128];
  int top = 0;
  stack[top++] = 0;
  stack[top++] = n - 1;
  while (top > 0) {
    int hi = stack[--top];
    int lo = stack[--top];
    while (hi - lo > 16) {
      uint32_t pivot = a[lo + (hi - lo) / 2];
      int i = lo, j = hi;
      while (i <= j) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i <= j) {
          uint32_t t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      /* Recurse (push) into the larger side, loop on the smaller: the stack stays O(log n). */
      if (j - lo > hi - i) {
        stack[top++] = lo;
        stack[top++] = j;
        lo = i;
      } else {
        stack[top++] = i;
        stack[top++] = hi;
        hi = j;
      }
    }
    insertion_sort(a, lo, hi);
  }
}

static int put_u64(char *out, uint64_t v) {
  char digits[20];
  int d = 0, n = 0;
  do {
    digits[d++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (d) out[n++] = digits[--d];
  return n;
}

static int put_text(char *out, const char *text) {
  int n = 0;
  while (text[n]) {
    out[n] = text[n];
    n++;
  }
  return n;
}

static void output(const char *text, int len) {
  uint64_t handle = alloc((uint64_t)len);
  for (int i = 0; i < len; i++) store_u8(handle + (uint64_t)i, (uint8_t)text[i]);
  output_set(handle, (uint64_t)len);
}

EXPORT(hash_sort) int32_t hash_sort(void) {
  uint64_t length = input_length();
  uint64_t numbers[2] = {0, 0};
  int which = 0;
  for (uint64_t i = 0; i < length && which < 2; i++) {
    uint8_t c = input_load_u8(i);
    if (c >= '0' && c <= '9') numbers[which] = numbers[which] * 10 + (c - '0');
    else if (c == ' ') which++;
    if (numbers[which] > 4000000000u) break;
  }
  uint64_t count = numbers[0];
  uint32_t state = (uint32_t)numbers[1] | 1u;
  if (count == 0 || count > MAX_COUNT) {
    const char *message = "input is \"<count> <seed>\" with count from 1 to 1000000";
    int len = 0;
    while (message[len]) len++;
    uint64_t handle = alloc((uint64_t)len);
    for (int i = 0; i < len; i++) store_u8(handle + (uint64_t)i, (uint8_t)message[i]);
    error_set(handle);
    return 1;
  }
  for (uint64_t i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    values[i] = fnv1a(state);
  }
  sort(values, (int)count);
  uint64_t checksum = 0;
  for (uint64_t i = 0; i < count; i++) checksum = (checksum * 31 + values[i]) % 1000000007u;
  char json[160];
  int n = 0;
  n += put_text(json + n, "{\"count\":");
  n += put_u64(json + n, count);
  n += put_text(json + n, ",\"checksum\":");
  n += put_u64(json + n, checksum);
  n += put_text(json + n, ",\"min\":");
  n += put_u64(json + n, values[0]);
  n += put_text(json + n, ",\"median\":");
  n += put_u64(json + n, values[count / 2]);
  n += put_text(json + n, ",\"max\":");
  n += put_u64(json + n, values[count - 1]);
  json[n++] = '}';
  output(json, n);
  return 0;
}
