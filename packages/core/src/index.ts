/**
 * `@threadspace/core`: the embedder's API (createEngine, the engine and the types of its options,
 * results and events). Tooling (the wasm rewrite, module inspection, hashes, limits' defaults)
 * is at `@threadspace/core/tools`.
 */
export { createEngine, Engine } from "./engine.ts";
export type { EngineOptions, EngineLogger, LogLevel, UnloadOptions, UninstallOptions, InstallOptions } from "./engine-options.ts";
export type { DataOwner, EngineData, KeptData, UninstallResult } from "./storage/plugin-data.ts";
export type { GrantPolicy } from "./permissions/grant-policy.ts";
export type { EnginePermissions } from "./permissions/engine-permissions.ts";
export type { EngineIsolationOptions } from "./isolation/isolation-policy.ts";
export type { CustomHostApi, CustomHostHandler, HostCall } from "@threadspace/host";
export { HOST_ABI_VERSION } from "@threadspace/host";
export type { InstallSource, BundleParts } from "./install/install-source.ts";
export type { TrustOptions } from "./install/trust.ts";
export type { SignatureStatus } from "@threadspace/bundle";
export type { CallInput } from "./calls/call-input.ts";
export type { CallOptions } from "./calls/call-options.ts";
export type { FuelSummary } from "./fuel/fuel-window.ts";
export type { MeteringOptions, UnmeteredPolicy } from "./fuel/metering-policy.ts";
export { CallResult } from "./calls/call-result.ts";
export type { PluginInfo, PluginState } from "./plugin-info.ts";
export type { HealthReport, HealthStatus } from "./lifecycle/health.ts";
export { LATENCY_WINDOW, type HealthOptions, type CircuitBreakerOptions, type CircuitState, type EngineObservations, type LatencyPercentiles } from "./lifecycle/monitor.ts";
export type { DebugInfo } from "./lifecycle/debug-info.ts";
export type { Placement } from "./isolation/placement.ts";
export { DEFAULT_MAX_QUEUED_CALLS } from "./limits/call-limits.ts";
export { DEFAULT_EVENT_QUEUE_SIZE, type EngineEvents, type EventStats } from "./events/event-delivery.ts";
export type { TopicEvent, TopicHandler, MemoryRecord, MemoryInput, MemoryQuery, MemoryView, ThreadRecord, ThreadEntry, ThreadInput, AppendInput, ReadInput, ThreadView } from "@threadspace/host";
export type { EngineHooks, EngineHookName, CallEvent } from "./hooks.ts";
export { ThreadspaceError, isThreadspaceError, type ThreadspaceErrorCode, type ThreadspaceIssue } from "@threadspace/errors";
export type { EngineConfig } from "./config/engine-config.ts";
export type { PluginConfig } from "./config/config-runtime.ts";
export type { LogsQuery, LogsFilter } from "./logs/engine-logs.ts";
export type { LogEntry, LogSource } from "@threadspace/host";
export type { HostLimitsPolicy } from "./limits/index.ts";
export type { EngineHttpOptions, OutboundFetch, OutboundContext } from "./http/http-options.ts";
export type { HostFunctionsDefinition, ExtismStyleHostFunction } from "./host-functions/any-name-functions.ts";
export type { PluginImport } from "./plugin-info.ts";
export { typedPlugin, type CallingEngine, type ExportEncodings, type ExportInfo, type ExportTypes, type TypedPlugin } from "./exports/index.ts";
export { parseTrace } from "./replay/parse-trace.ts";
export { traceOf, type EngineRecordOption, type RecordOptions } from "./replay/trace-store.ts";
export type { CallTrace, HostExchange, TracePayload, TraceRedactor } from "./replay/trace.ts";
export type { ReplayOptions, ReplayResult, ReplayDifference, ReplayError } from "./replay/replay-call.ts";
export type { TraceWasiRead, WasiDifference } from "./replay/wasi-reads.ts";
