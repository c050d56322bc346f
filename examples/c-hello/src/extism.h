/* extism.h: the Extism kernel imports (module "extism:host/env"), declarations only.
 *
 * Memory handles ("offsets") are u64 values owned by the host: alloc a block, fill it with
 * store_u8/store_u64, hand it over with output_set/error_set/config_get/var_get/var_set/log_*.
 * The signatures are those the JS SDK (@extism/extism 2.0.0-rc13) and @extism/as-pdk agree on.
 */
#ifndef EXTISM_H
#define EXTISM_H

#include <stdint.h>

typedef uint64_t ExtismHandle;

#define EXTISM_IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define EXTISM_EXPORT(name) __attribute__((export_name(#name)))

/* Input of the current call. */
EXTISM_IMPORT(input_length) uint64_t extism_input_length(void);
EXTISM_IMPORT(input_load_u8) uint8_t extism_input_load_u8(uint64_t offset);
EXTISM_IMPORT(input_load_u64) uint64_t extism_input_load_u64(uint64_t offset);

/* Host memory blocks. */
EXTISM_IMPORT(alloc) ExtismHandle extism_alloc(uint64_t length);
EXTISM_IMPORT(free) void extism_free(ExtismHandle handle);
EXTISM_IMPORT(length) uint64_t extism_length(ExtismHandle handle);
EXTISM_IMPORT(load_u8) uint8_t extism_load_u8(ExtismHandle address);
EXTISM_IMPORT(load_u64) uint64_t extism_load_u64(ExtismHandle address);
EXTISM_IMPORT(store_u8) void extism_store_u8(ExtismHandle address, uint8_t value);
EXTISM_IMPORT(store_u64) void extism_store_u64(ExtismHandle address, uint64_t value);

/* Results: the output block, or an error message block (the call then fails with it). */
EXTISM_IMPORT(output_set) void extism_output_set(ExtismHandle handle, uint64_t length);
EXTISM_IMPORT(error_set) void extism_error_set(ExtismHandle handle);

/* Config (read-only strings), plugin variables (bytes that survive calls), logs.
 * config_get/var_get take a key block (freed by the host) and return a block or 0. */
EXTISM_IMPORT(config_get) ExtismHandle extism_config_get(ExtismHandle key);
EXTISM_IMPORT(var_get) ExtismHandle extism_var_get(ExtismHandle key);
EXTISM_IMPORT(var_set) void extism_var_set(ExtismHandle key, ExtismHandle value);
EXTISM_IMPORT(log_info) void extism_log_info(ExtismHandle message);
EXTISM_IMPORT(log_warn) void extism_log_warn(ExtismHandle message);
EXTISM_IMPORT(log_error) void extism_log_error(ExtismHandle message);

#endif
