// The Threadspace host functions (docs/host-abi.md), imported from `extism:host/user`.
//
// Each takes the handle of an Extism memory block holding a UTF-8 JSON request and returns the
// handle of a block holding `{"ok": value}` or `{"error": {"code", "message"}}`. Use the typed
// wrappers in api.ts (Memory, Thread, Events, Config, Log, Kv, Plugins) rather than these;
// they are exported for requests the wrappers do not cover (callRaw sends any JSON).
//
// A module imports only the functions it actually calls (AssemblyScript drops unused imports),
// so a plugin that uses only Kv imports only ts_kv_*.

// Memories (permissions memory:read, memory:write)
@external("extism:host/user", "ts_memory_put")
export declare function ts_memory_put(request: u64): u64;
@external("extism:host/user", "ts_memory_get")
export declare function ts_memory_get(request: u64): u64;
@external("extism:host/user", "ts_memory_query")
export declare function ts_memory_query(request: u64): u64;
@external("extism:host/user", "ts_memory_delete")
export declare function ts_memory_delete(request: u64): u64;

// Threads (thread:read, thread:write)
@external("extism:host/user", "ts_thread_create")
export declare function ts_thread_create(request: u64): u64;
@external("extism:host/user", "ts_thread_append")
export declare function ts_thread_append(request: u64): u64;
@external("extism:host/user", "ts_thread_read")
export declare function ts_thread_read(request: u64): u64;
@external("extism:host/user", "ts_thread_list")
export declare function ts_thread_list(request: u64): u64;

// Events (event:emit)
@external("extism:host/user", "ts_event_emit")
export declare function ts_event_emit(request: u64): u64;

// Config (config:read)
@external("extism:host/user", "ts_config_get")
export declare function ts_config_get(request: u64): u64;

// Logs (log)
@external("extism:host/user", "ts_log")
export declare function ts_log(request: u64): u64;

// Key-value state (kv)
@external("extism:host/user", "ts_kv_get")
export declare function ts_kv_get(request: u64): u64;
@external("extism:host/user", "ts_kv_set")
export declare function ts_kv_set(request: u64): u64;
@external("extism:host/user", "ts_kv_delete")
export declare function ts_kv_delete(request: u64): u64;
@external("extism:host/user", "ts_kv_list")
export declare function ts_kv_list(request: u64): u64;

// Plugin calls (plugin:call)
@external("extism:host/user", "ts_plugin_call")
export declare function ts_plugin_call(request: u64): u64;
