// @threadspace/pdk-as: the AssemblyScript PDK for Threadspace plugins. See ../README.md.
// (Re-exports use `export *`: asc 0.28 does not follow `export { name } from` in package files.)
import "./abort"; // the abort handler (selected with --use abort=...; never exported)

export * from "./json"; // Json, JsonValue, JsonKind, JsonObject, JsonArray, RawJson
export * from "./io"; // inputText/inputJson/inputBytes, output/outputJson/outputBytes, setError, blocks
export * from "./result"; // HostResult, ErrorCode, callHost
export * from "./api"; // Memory, Thread, Events, Config, Log, Kv, Plugins and their records
export * from "./options"; // PutOptions, ThreadOptions, ReadOptions, MemoryQuery
export * from "./plugin"; // Plugin (lifecycle helpers), IncomingEvent
export * from "./host"; // the raw ts_* imports
