import type { CallInput, CallOptions, CallResult, CallTrace, ReplayOptions, ReplayResult, Engine, EngineHookName, EngineHooks, HealthReport, InstallOptions, InstallSource, LogEntry, LogLevel, LogsFilter, LogsQuery, PluginInfo, TopicHandler, UninstallOptions, UninstallResult, UnloadOptions } from "@threadspace/core";

import type { ThreadspaceError } from "@threadspace/errors";

/** The same methods, each returning a promise. */
export type Async<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Removes a handler registered across the worker boundary (resolves once it is gone). */
export type RemoteUnsubscribe = () => Promise<void>;

/**
 * The engine as the page sees it when it runs in a worker (`connectEngine`): `Engine`'s API,
 * every method async. `call` resolves with a real `CallResult` over the transferred bytes;
 * handlers (`events.on`, `onLog`, `hook`) run on the page and resolve with an unsubscribe
 * function; errors are `ThreadspaceError`s with their code.
 */
export interface RemoteEngine {
  /** As `engine.install`. A relative URL is resolved against the page, not the worker script. A `grant` function runs on the page. */
  install(source: InstallSource, options?: InstallOptions): Promise<PluginInfo>;
  /** As `engine.installAll`. */
  installAll(sources: readonly InstallSource[]): Promise<PluginInfo[]>;
  /** As `engine.call` (with its `{ fuel }` budget and `result.fuel`); the output bytes are transferred from the worker, not copied. */
  call(name: string, exportName: string, input?: CallInput, options?: CallOptions): Promise<CallResult>;
  /** As `engine.replay` (the trace is plain JSON and crosses as it is). */
  replay(trace: unknown, options?: ReplayOptions): Promise<ReplayResult>;
  /** As `engine.traces`. */
  traces(name: string): Promise<CallTrace[]>;
  list(): Promise<PluginInfo[]>;
  get(name: string): Promise<PluginInfo | undefined>;
  findByCapability(capability: string): Promise<PluginInfo[]>;
  /** As `engine.restoreErrors`: the plugins that failed to come back from storage, each with its `ThreadspaceError` (code kept). */
  restoreErrors(): Promise<ReadonlyMap<string, ThreadspaceError>>;
  health(name: string): Promise<HealthReport>;
  /** As `engine.debugInfo`. */
  debugInfo(name: string): Promise<Awaited<ReturnType<Engine["debugInfo"]>>>;
  load(name: string): Promise<PluginInfo>;
  unload(name: string, options?: UnloadOptions): Promise<void>;
  uninstall(name: string, options?: UninstallOptions): Promise<UninstallResult>;
  logs(name: string, query?: LogsQuery): Promise<LogEntry[]>;
  /** As `engine.onLog`; entries reach the handler asynchronously, in order. */
  onLog(handler: (entry: LogEntry) => void, filter?: LogsFilter): Promise<RemoteUnsubscribe>;
  setLogLevel(name: string, level: LogLevel): Promise<void>;
  logLevel(name: string): Promise<LogLevel>;
  /** As `engine.hook`; the engine awaits the page's handler (a `call:before` that throws rejects the call). */
  hook<N extends EngineHookName>(name: N, handler: EngineHooks[N]): Promise<RemoteUnsubscribe>;
  /** As `engine.kv(name)`. */
  kv(name: string): Async<ReturnType<Engine["kv"]>>;
  readonly permissions: Async<Engine["permissions"]>;
  readonly config: Async<Engine["config"]>;
  readonly memories: Async<Engine["memories"]>;
  readonly threads: Async<Engine["threads"]>;
  readonly events: {
    /** As `engine.events.on`; events reach the handler asynchronously, in publish order (its result is not awaited). */
    on(pattern: string, handler: TopicHandler): Promise<RemoteUnsubscribe>;
    emit(topic: string, payload?: unknown): Promise<void>;
    stats(name: string): Promise<ReturnType<Engine["events"]["stats"]>>;
    /** As `engine.events.recent`: the engine's bounded log of recent events. */
    recent(query?: Parameters<Engine["events"]["recent"]>[0]): Promise<ReturnType<Engine["events"]["recent"]>>;
  };
  /** Closes the engine (unloading every plugin), drops every page handler and releases the connection. The worker keeps running. */
  close(): Promise<void>;
  /** Ends the worker at once (no `cleanup` runs); pending calls never settle. Prefer `close()` first. */
  terminate(): void;
}
