import { ThreadspaceError } from "@threadspace/errors";
import { encodeInput, type CallInput } from "./calls/call-input.ts";
import { CallResult } from "./calls/call-result.ts";
import type { PluginRunner } from "./calls/plugin-runner.ts";
import { Host, memoryView, threadView, type CustomHostApi, type MemoryView, type ThreadView } from "@threadspace/host";
import { EventDelivery, type EngineEvents } from "./events/event-delivery.ts";
import { DEFAULT_MAX_WASM_BYTES, type EngineOptions, type InstallOptions, type LogLevel, type EngineLogger, type UnloadOptions } from "./engine-options.ts";
import { resolveGrants, type GrantPolicy } from "./permissions/grant-policy.ts";
import { enginePermissions, type EnginePermissions } from "./permissions/engine-permissions.ts";
import { invokeDependency } from "./calls/invoke-dependency.ts";
import type { RunnerLimits } from "./calls/plugin-runner.ts";
import { checkHostLimitsPolicy, type HostLimitsPolicy } from "./limits/index.ts";
import { Hooks, type EngineHookName, type EngineHooks } from "./hooks.ts";
import { checkDependencies, dependentsOf, planInstallOrder, type InstalledPlugin } from "./install/dependencies.ts";
import type { InstallSource } from "./install/install-source.ts";
import { prepareBundle } from "./install/prepare-bundle.ts";
import { readSource } from "./install/read-source.ts";
import type { HealthReport } from "./lifecycle/health.ts";
import { runCleanup } from "./lifecycle/lifecycle.ts";
import { startPlugin, type StartOptions } from "./lifecycle/start-plugin.ts";
import { ConfigRuntime, type PluginConfig } from "./config/config-runtime.ts";
import { engineConfig, type EngineConfig } from "./config/engine-config.ts";
import { applyBufferSize, checkLogsFilter, checkLogsQuery, checkThreshold, type LogEntry, type LogsFilter, type LogsQuery } from "./logs/engine-logs.ts";
import { forwardLogs } from "./logs/forward-logs.ts";
import { describePlugin, type PluginInfo } from "./plugin-info.ts";
import type { PluginRecord } from "./plugin-record.ts";
import { Committer } from "./storage/committer.ts";
import { DEFAULT_JOURNAL_DELAY_MS, Journal } from "./storage/journal.ts";
import { EventLog } from "./events/event-log.ts";
import { restoreState } from "./storage/restore.ts";
import { configWrite, grantWrite, installWrites, uninstallWrites } from "./storage/engine-storage.ts";
import { checkIntegrity } from "./install/integrity.ts";
import { resolveTrust } from "./install/trust.ts";
import type { TrustPolicy } from "@threadspace/bundle";

/** Runs the engine's start-time load from storage (called by `createEngine` only). */
const RESTORE: unique symbol = Symbol("restore");
/** The engine's imported trusted keys (awaited by `createEngine` only). */
const TRUST: unique symbol = Symbol("trust");
import { CallLimits, DEFAULT_MAX_QUEUED_CALLS, WorkerSlots } from "./limits/call-limits.ts";
import type { EffectiveLimits } from "./limits/limits-policy.ts";
import { DEFAULT_HEALTH_TIMEOUT_MS, HealthMonitor } from "./lifecycle/monitor.ts";
import { debugInfo, type DebugInfo } from "./lifecycle/debug-info.ts";


/**
 * The Threadspace engine: installs plugins, runs their lifecycle and serves calls.
 * Create it with {@link createEngine}.
 */
export class Engine {
  readonly #plugins = new Map<string, PluginRecord>();
  readonly #pending = new Set<string>();
  readonly #hooks = new Hooks();
  readonly #logger: EngineLogger;
  readonly #logLevel: LogLevel;
  readonly #maxWasmBytes: number;
  /** `trustedKeys` imported and `requireSignature` settled (awaited by `createEngine`, which surfaces a bad key). */
  readonly #trust: Promise<TrustPolicy>;
  readonly #grantPolicy: GrantPolicy;
  readonly #limitsPolicy: HostLimitsPolicy;
  readonly #isolation: EngineOptions["isolation"];
  readonly #host: Host;
  readonly #delivery: EventDelivery;
  readonly #config: ConfigRuntime;
  /** hostCallsPerCall and eventsPerSecond, enforced in the host functions (limits/call-limits.ts). */
  readonly #callLimits: CallLimits;
  readonly #workerSlots: WorkerSlots | undefined;
  readonly #maxQueued: number;
  /** Call metrics, health polling and the circuit breaker (lifecycle/monitor.ts). */
  readonly #monitor: HealthMonitor;
  readonly #healthTimeoutMs: number;
  #closed = false;
  /** Commits plugin calls' writes to `options.storage` (undefined: memory only). */
  readonly #storage: Committer | undefined;
  /** Stores health histories and the event log behind the calls (engines with storage). */
  #journal: Journal | undefined = undefined;
  readonly #eventLog: EventLog;
  readonly #restoreErrors = new Map<string, ThreadspaceError>();
  /** Plugins' config: `get`, `set` (validated overrides), `reset`. See {@link EngineConfig}. */
  readonly config: EngineConfig;
  /** The memories plugins read and write through `ts_memory_*`; writes commit at once and publish the same events. */
  readonly memories: MemoryView;
  /** The threads plugins read and write through `ts_thread_*`; writes commit at once and publish the same events. */
  readonly threads: ThreadView;
  /** The event bus: subscribe with `on(pattern, handler)`, publish with `emit(topic, payload)`, see `stats(name)`. */
  readonly events: EngineEvents;

  constructor(options: EngineOptions = {}) {
    this.#logger = options.logger ?? console;
    this.#logLevel = options.logLevel ?? "warn";
    this.#maxWasmBytes = options.maxWasmBytes ?? DEFAULT_MAX_WASM_BYTES;
    this.#trust = resolveTrust(options);
    this.#trust.catch(() => undefined);
    this.#grantPolicy = options.grant ?? false;
    this.#limitsPolicy = options.limits ?? {};
    this.#isolation = options.isolation;
    checkHostLimitsPolicy(this.#limitsPolicy);
    this.#maxQueued = options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS;
    if (!Number.isSafeInteger(this.#maxQueued) || this.#maxQueued < 0) throw new RangeError(`maxQueuedCalls must be a whole number from 0; got ${String(options.maxQueuedCalls)}`);
    this.#workerSlots = options.isolation?.maxWorkers === undefined ? undefined : new WorkerSlots(options.isolation.maxWorkers);
    this.#callLimits = new CallLimits();
    this.#monitor = new HealthMonitor(options, (topic, payload) => this.events.emit(topic, payload));
    this.#healthTimeoutMs = options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.#monitor.start(() => this.#loadedRunners());
    this.#host = new Host({
      ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
      beforeCall: this.#callLimits.beforeHostCall,
      invokePlugin: (caller, callee, exportName, input) => invokeDependency(this.#plugins.get(caller)?.manifest, this.#plugins.get(callee)?.runner, callee, exportName, input, (runner) => this.#monitor.admit(runner)),
    });
    this.permissions = enginePermissions(this.#host.permissions, (name) => void this.#record(name), (name) => this.#persistGrants(name));
    this.#eventLog = new EventLog(this.#host.state.events, options.eventLogSize);
    if (options.storage !== undefined) {
      const storage = new Committer(options.storage, { limitOf: (name) => this.#plugins.get(name)?.limits.limits.storageBytes ?? this.#limitsPolicy.defaults?.storageBytes }, this.#logger);
      this.#storage = storage;
      this.#host.state.storage.sink = (writes, actor) => storage.background(writes, actor);
      this.#host.state.storage.commit = storage.commitCall;
      this.#journal = new Journal(storage, this.#monitor, this.#eventLog, options.journalDelayMs ?? DEFAULT_JOURNAL_DELAY_MS, this.#logger);
    } else this.#storage = undefined;
    this.#delivery = new EventDelivery(this.#host.state.events, this.#host.permissions, { logger: this.#logger, queueSize: options.eventQueueSize, check: (name) => void this.#record(name), log: this.#eventLog });
    this.events = this.#delivery.api;
    this.memories = memoryView(this.#host.state.memories);
    this.threads = threadView(this.#host.state.threads);
    const { config, logs } = this.#host.state;
    applyBufferSize(logs, options.logBufferSize);
    forwardLogs(logs, this.#logger);
    this.#config = new ConfigRuntime({
      store: config,
      logs,
      defaultLevel: this.#logLevel,
      changed: (plugin, merged) => {
        this.#storage?.background([configWrite(plugin, config.overrides(plugin))], "host");
        this.events.emit("config.changed", { plugin, config: merged });
      },
      control: {
        runner: (name) => this.#plugins.get(name)?.runner,
        start: async (name) => void (await this.load(name)),
        checkStop: (name) => this.#checkDisable(name),
        stop: (name) => this.#stop(this.#record(name)),
      },
    });
    this.config = engineConfig(config, this.#config, (name) => void this.#record(name));
  }

  /**
   * A plugin's log, oldest first: entries from `ts_log` (source `plugin`), from Extism's log
   * functions such as PDK log helpers and AssemblyScript aborts (source `extism`), and from the
   * engine about the plugin (source `engine`). Each plugin keeps the last `logBufferSize` entries
   * (default 1000). `since` is a `seq`: pass the last one you saw to get only what is new.
   *
   * @example
   * let last = 0;
   * for (const entry of engine.logs("hello", { level: "warn", since: last })) last = entry.seq;
   */
  logs(name: string, query: LogsQuery = {}): LogEntry[] {
    this.#record(name);
    checkLogsQuery(query);
    return this.#host.state.logs.read(name, query);
  }

  /**
   * Streams log entries as plugins write them (synchronously; a throwing handler is reported to
   * the engine's logger). Returns a function that unsubscribes.
   *
   * @example
   * const off = engine.onLog((entry) => console.log(entry.plugin, entry.level, entry.message), { level: "info" });
   */
  onLog(handler: (entry: LogEntry) => void, filter: LogsFilter = {}): () => void {
    checkLogsFilter(filter);
    return this.#host.state.logs.subscribe(handler, filter);
  }

  /**
   * Changes a plugin's log level now (the guide's debug mode): entries below it are dropped, from
   * `ts_log` and Extism's log functions alike. `config.log_level` sets the level at install and
   * when the config changes it; this overrides it until then.
   */
  setLogLevel(name: string, level: LogLevel): void {
    this.#record(name);
    checkThreshold(level);
    this.#host.state.logs.setLevel(name, level);
  }

  /** A plugin's current log level. */
  logLevel(name: string): LogLevel {
    this.#record(name);
    return this.#host.state.logs.level(name);
  }

  /**
   * Permissions of installed plugins. `grant` and `revoke` act on the next host call, even in
   * the middle of a plugin call; grants are remembered against the wasm's sha256.
   */
  readonly permissions: EnginePermissions;

  /**
   * Adds an embedder API with the same codec, permission gate, size caps and error shape as the
   * built-in ones. Plugins import its functions as `ts_<name>_<function>` from `extism:host/user`
   * and need `permission` granted. Define APIs before installing the plugins that use them.
   *
   * @example
   * engine.defineHostApi({ name: "weather", permission: "custom:weather",
   *   functions: { today: (request) => ({ city: (request as { city: string }).city, sky: "clear" }) } });
   */
  defineHostApi(definition: CustomHostApi): void {
    try {
      this.#host.defineHostApi(definition);
    } catch (cause) {
      throw new ThreadspaceError("bad_input", `defineHostApi: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  /** The key-value state of one plugin, as the embedder sees it (same data as `ts_kv_*`). */
  kv(name: string): ReturnType<Host["state"]["kv"]["forPlugin"]> {
    this.#record(name);
    return this.#host.state.kv.forPlugin(name);
  }

  /**
   * Installs and starts a plugin: reads the source, validates plugin.json, checks the wasm's
   * sha256 before compiling, checks dependencies and imports, runs `init_plugin` and checks
   * `get_metadata`. On any failure nothing stays registered.
   */
  async install(source: InstallSource, options: InstallOptions = {}): Promise<PluginInfo> {
    this.#assertOpen();
    const bundle = await readSource(source, this.#maxWasmBytes, await this.#trust);
    const info = await this.#installBundle(bundle, [bundle.manifest.name], options.grant, options.config);
    await this.#persistInstall(bundle);
    return info;
  }

  /**
   * Installs several plugins in dependency order (dependencies may be in the batch or installed).
   * A cycle is refused with `dependency_cycle` naming it. Stops at the first failure; plugins
   * installed before it stay installed.
   */
  async installAll(sources: readonly InstallSource[]): Promise<PluginInfo[]> {
    this.#assertOpen();
    const bundles = [];
    const trust = await this.#trust;
    for (const source of sources) bundles.push(await readSource(source, this.#maxWasmBytes, trust));
    const ordered = planInstallOrder(bundles, (name) => this.#installedView(name));
    const installed: PluginInfo[] = [];
    for (const bundle of ordered) {
      installed.push(await this.#installBundle(bundle, [bundle.manifest.name], undefined));
      await this.#persistInstall(bundle);
    }
    return installed;
  }

  /** Calls an export. Input: string (UTF-8), bytes, or a JSON value. Calls to one plugin run one at a time. */
  call(name: string, exportName: string, input?: CallInput): Promise<CallResult> {
    const record = this.#plugins.get(name);
    const runner = record?.runner;
    if (record === undefined || runner === undefined) return Promise.reject(this.#unavailable(name));
    if (!runner.circuitClosed) {
      const open = this.#monitor.admit(runner);
      if (open !== undefined) return Promise.reject(open);
    }
    let encoded: string | Uint8Array;
    try {
      encoded = encodeInput(input, name);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#hooks.watchesCalls) {
      return this.#callWithHooks(record, runner, exportName, encoded);
    }
    return runner.call(exportName, encoded, (output) => new CallResult(output, name));
  }

  /** Every installed plugin. */
  list(): PluginInfo[] {
    return [...this.#plugins.values()].map((record) => this.#info(record));
  }

  /** One installed plugin, or undefined. */
  get(name: string): PluginInfo | undefined {
    const record = this.#plugins.get(name);
    return record === undefined ? undefined : this.#info(record);
  }

  /** Installed plugins that offer a capability (plugin.json `capabilities`). */
  findByCapability(capability: string): PluginInfo[] {
    return this.list().filter((info) => info.capabilities.includes(capability));
  }

  /** The plugin's health: its `health_check` report plus what the engine counted. */
  async health(name: string): Promise<HealthReport> {
    const record = this.#record(name);
    if (record.runner === undefined) {
      const message = this.#config.enabled(name) ? "installed but not loaded" : "disabled by its config (enabled: false)";
      const history = this.#monitor.history(name);
      return { status: "unhealthy", message, metrics: {}, engine: { calls: 0, errors: 0, ...(history === undefined ? {} : { history }) } };
    }
    const runner = record.runner;
    const reported = await this.#monitor.check(runner);
    return { ...reported, ...this.#monitor.derive(runner, reported), engine: this.#monitor.observations(runner) };
  }

  /**
   * Everything the engine knows about a plugin, for debugging (the guide's `debug_info`): the
   * status from the last polled health check and the engine's observations (calls, errors,
   * timeouts, latency percentiles, memory pages, uptime, restarts, circuit breaker), queue depth,
   * isolation mode and notes, limits and their notes, permissions requested and granted, log level,
   * and the output of the plugin's own `debug_info` export when it has one.
   */
  async debugInfo(name: string): Promise<DebugInfo> {
    const record = this.#record(name);
    return debugInfo(this.#info(record), record.runner, this.#monitor, this.#host.state.logs.level(name), this.#healthTimeoutMs);
  }

  *#loadedRunners(): Iterable<PluginRunner> {
    for (const record of this.#plugins.values()) if (record.runner !== undefined) yield record.runner;
  }

  /** Registers a lifecycle hook; returns a function that removes it. */
  hook<N extends EngineHookName>(name: N, handler: EngineHooks[N]): () => void {
    return this.#hooks.hook(name, handler);
  }

  /** Starts an installed, unloaded plugin again (its dependencies must be loaded). */
  async load(name: string): Promise<PluginInfo> {
    this.#assertOpen();
    const record = this.#record(name);
    if (record.runner !== undefined) return this.#info(record);
    if (!this.#config.enabled(name)) throw this.#unavailable(name);
    checkDependencies(record.manifest, (dep) => this.#installedView(dep));
    record.runner = await startPlugin(record.manifest, record.module, record.shape, this.#startOptions(name, record.limits.limits));
    this.#config.started(name);
    this.#monitor.attach(record.runner);
    this.#delivery.attach(record.manifest, record.runner);
    this.events.emit("plugin.loaded", { name, version: record.manifest.version });
    await this.#persistLoaded([name], true);
    return this.#info(record);
  }

  /**
   * Stops a plugin (runs its `cleanup`) but keeps it installed. Refused with `dependency_in_use`
   * while loaded plugins depend on it, unless `{ cascade: true }`, which unloads them first.
   */
  async unload(name: string, options: UnloadOptions = {}): Promise<void> {
    const record = this.#record(name);
    const dependents = dependentsOf(name, this.#installedMap());
    if (dependents.length > 0 && options.cascade !== true) throw this.#inUse(name, dependents);
    for (const dependent of dependents) await this.#stop(this.#record(dependent));
    await this.#stop(record);
    await this.#persistLoaded([...dependents, name], false);
  }

  /**
   * Unloads a plugin and forgets it. Refused with `dependency_in_use` while installed plugins
   * (loaded or not) depend on it, unless `{ cascade: true }`, which uninstalls them first.
   */
  async uninstall(name: string, options: UnloadOptions = {}): Promise<void> {
    if (!this.#plugins.has(name) && this.#restoreErrors.delete(name)) {
      // Found in storage but not started (e.g. hash_mismatch): forget its stored records.
      await this.#storage?.commit(uninstallWrites(name));
      return;
    }
    this.#record(name);
    const dependents = dependentsOf(name, this.#installedMap(), true);
    if (dependents.length > 0 && options.cascade !== true) throw this.#inUse(name, dependents);
    for (const dependent of [...dependents, name]) {
      const record = this.#plugins.get(dependent);
      if (record !== undefined) await this.#stop(record);
      this.#plugins.delete(dependent);
      this.#host.permissions.forget(dependent);
      this.#config.forget(dependent);
      this.#callLimits.forget(dependent);
      this.#monitor.forget(dependent);
    }
    await this.#storage?.commit([...dependents, name].flatMap(uninstallWrites));
  }

  /** Unloads every plugin (dependents first, running each `cleanup`) and refuses further work. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#monitor.stop();
    const names = [...this.#plugins.keys()].reverse();
    for (const name of names) {
      const record = this.#plugins.get(name);
      if (record?.runner !== undefined) await this.unload(name, { cascade: true });
    }
    this.#plugins.clear();
    this.#journal?.stop();
    await this.#journal?.flush();
    if (this.#storage !== undefined) {
      // The engine owns the driver it was given: pending commits finish, then it is released.
      await this.#storage.flush();
      await this.#storage.driver.close();
    }
  }

  /**
   * Plugins found in storage at start that could not be started again (e.g. `hash_mismatch`:
   * the stored wasm no longer matches its sha256). Their stored bundle and data are kept.
   */
  get restoreErrors(): ReadonlyMap<string, ThreadspaceError> {
    return this.#restoreErrors;
  }

  /** @internal Loads memories, threads, kv, grants, config and installed plugins from storage, then starts the enabled ones. */
  /** Resolves once `trustedKeys` are imported; rejects with `bad_input` naming a bad key. */
  get [TRUST](): Promise<TrustPolicy> {
    return this.#trust;
  }

  async [RESTORE](): Promise<void> {
    const storage = this.#storage;
    if (storage === undefined) return;
    const stored = await restoreState(storage.driver, this.#host, storage.ledger, { monitor: this.#monitor, events: this.#eventLog });
    for (const [hash, permissions] of stored.grants) this.#host.permissions.remember(hash, permissions);
    const bundles = [];
    for (const [name, record] of stored.bundles) {
      try {
        await checkIntegrity(record.wasm, record.hash, name);
        bundles.push(await readSource({ manifest: record.manifest, wasm: record.wasm }, this.#maxWasmBytes));
      } catch (cause) {
        this.#restoreFailed(name, cause);
      }
    }
    let ordered;
    try {
      ordered = planInstallOrder(bundles, (name) => this.#installedView(name));
    } catch (cause) {
      for (const bundle of bundles) this.#restoreFailed(bundle.manifest.name, cause);
      return;
    }
    for (const bundle of ordered) {
      const name = bundle.manifest.name;
      try {
        // Unloaded by the embedder (stored `enabled: false`): installed again, not started.
        await this.#installBundle(bundle, [name], undefined, stored.config.get(name), stored.bundles.get(name)?.enabled !== false);
      } catch (cause) {
        this.#restoreFailed(name, cause);
      }
    }
  }

  #restoreFailed(name: string, cause: unknown): void {
    const error = cause instanceof ThreadspaceError ? cause : new ThreadspaceError("init_failed", `could not be started from storage: ${String(cause)}`, { plugin: name, cause });
    this.#restoreErrors.set(name, error);
    this.#logger.error(`[threadspace] [plugin ${name}] not started from storage (its stored bundle and data are kept): ${error.message}`);
  }

  /** Records an installed plugin (bundle, grants, config) in storage. */
  async #persistInstall(bundle: Awaited<ReturnType<typeof readSource>>): Promise<void> {
    const storage = this.#storage;
    const name = bundle.manifest.name;
    const record = this.#plugins.get(name);
    if (storage === undefined || record === undefined) return;
    const writes = record.sha256 === undefined ? undefined : installWrites(bundle, record.sha256, this.#host.permissions.list(name), this.#host.state.config.overrides(name));
    if (writes === undefined) {
      this.#logger.warn(`[threadspace] [plugin ${name}] was installed from a precompiled module, which cannot be stored: it will not be there after a restart.`);
      return;
    }
    await storage.commit(writes);
  }

  /** Records that plugins were unloaded (or loaded again), so that a restart keeps them so; a failure is logged. */
  async #persistLoaded(names: readonly string[], loaded: boolean): Promise<void> {
    const storage = this.#storage;
    // close() unloads every plugin too: that is not the embedder unloading them.
    if (storage === undefined || this.#closed) return;
    for (const name of names) {
      await storage.setBundleEnabled(name, loaded).catch((error: unknown) => {
        this.#logger.error(`[threadspace] [plugin ${name}] storing that it was ${loaded ? "loaded" : "unloaded"} failed; after a restart it may be ${loaded ? "unloaded" : "loaded"} again: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }

  #persistGrants(name: string): void {
    const hash = this.#host.permissions.hashOf(name);
    if (hash !== undefined) this.#storage?.background([grantWrite(hash, this.#host.permissions.list(name))], "host");
  }

  #startOptions(name: string, limits: RunnerLimits & EffectiveLimits): StartOptions {
    // Host-call limits apply from the first lifecycle call (init_plugin runs before the plugin is registered).
    this.#callLimits.use(name, limits);
    return {
      logger: this.#logger,
      host: this.#host,
      extismConfig: this.#config.extismConfig(name),
      limits: { ...limits, maxQueued: this.#maxQueued },
      ...(this.#isolation === undefined ? {} : { isolation: this.#isolation }),
      ...(this.#workerSlots === undefined ? {} : { workerSlots: this.#workerSlots }),
      ...(this.#storage === undefined ? {} : { commit: this.#storage.commitCall }),
    };
  }

  async #installBundle(bundle: Awaited<ReturnType<typeof readSource>>, chain: string[], grant: GrantPolicy | undefined, config?: PluginConfig, start = true): Promise<PluginInfo> {
    const { name } = bundle.manifest;
    if (this.#plugins.has(name) || this.#pending.has(name)) {
      throw new ThreadspaceError("already_installed", `is already installed. Uninstall it first to replace it.`, { plugin: name });
    }
    this.#pending.add(name);
    try {
      // A plugin restored unloaded needs its dependencies installed, not loaded.
      checkDependencies(bundle.manifest, (dep) => (start ? this.#installedView(dep) : loadedView(this.#installedView(dep))), chain);
      const prepared = await prepareBundle(bundle, this.#host.importNames(), this.#limitsPolicy);
      const permissions = this.#host.permissions;
      const granted = await resolveGrants(prepared.manifest, grant, permissions.remembered(prepared.sha256), this.#grantPolicy);
      permissions.assign(name, prepared.sha256, granted);
      let runner: PluginRunner | undefined;
      try {
        this.#config.install(prepared.manifest, config);
        // `enabled: false`: installed (checked, compiled, granted) but not started.
        if (start && this.#config.enabled(name)) runner = await startPlugin(prepared.manifest, prepared.module, prepared.shape, this.#startOptions(name, prepared.limits.limits));
      } catch (error) {
        permissions.forget(name);
        this.#config.forget(name);
        throw error;
      }
      if (this.#closed) {
        await runner?.close();
        this.#config.forget(name);
        throw new ThreadspaceError("engine_closed", "the engine was closed while the plugin was installing.", { plugin: name });
      }
      const record: PluginRecord = { ...prepared, installedAt: Date.now(), runner };
      this.#plugins.set(name, record);
      if (runner !== undefined) {
        this.#delivery.attach(record.manifest, runner);
        this.#config.started(name);
        this.#monitor.attach(runner);
      }
      this.events.emit("plugin.installed", { name, version: record.manifest.version });
      const info = this.#info(record);
      await this.#hooks.run("plugin:install", { plugin: info });
      return info;
    } finally {
      this.#pending.delete(name);
    }
  }

  async #callWithHooks(record: PluginRecord, runner: PluginRunner, exportName: string, input: string | Uint8Array): Promise<CallResult> {
    const event = { plugin: record.manifest.name, export: exportName, input };
    const started = performance.now();
    try {
      await this.#hooks.run("call:before", event);
      const output = await runner.call(exportName, input, (output) => new CallResult(output, event.plugin));
      await this.#hooks.run("call:after", { ...event, output, durationMs: performance.now() - started });
      return output;
    } catch (cause) {
      const error = cause instanceof ThreadspaceError ? cause : new ThreadspaceError("plugin_error", String(cause), { plugin: event.plugin, cause });
      await this.#hooks.run("call:error", { ...event, error, durationMs: performance.now() - started });
      throw error;
    }
  }

  /** `enabled: false` stops a plugin, which must not strand loaded dependents. */
  #checkDisable(name: string): void {
    const dependents = dependentsOf(name, this.#installedMap());
    if (dependents.length === 0) return;
    const one = dependents.length === 1;
    throw new ThreadspaceError("dependency_in_use", `cannot be disabled while ${dependents.join(", ")} depend${one ? "s" : ""} on it. Unload ${one ? "it" : "them"} first.`, { plugin: name });
  }

  #inUse(name: string, dependents: readonly string[]): ThreadspaceError {
    const one = dependents.length === 1;
    return new ThreadspaceError(
      "dependency_in_use",
      `cannot be removed: ${dependents.join(", ")} depend${one ? "s" : ""} on it. Remove ${one ? "it" : "them"} first, or pass { cascade: true }.`,
      { plugin: name },
    );
  }

  async #stop(record: PluginRecord): Promise<void> {
    const runner = record.runner;
    if (runner === undefined) return;
    record.runner = undefined;
    this.#config.stopping(record.manifest.name);
    this.#delivery.detach(record.manifest.name);
    const cleanupError = await runCleanup(runner);
    await runner.close();
    this.events.emit("plugin.unloaded", { name: record.manifest.name });
    if (cleanupError !== undefined) this.#logger.warn(cleanupError.message);
    await this.#hooks.run("plugin:unload", cleanupError === undefined ? { plugin: record.manifest.name } : { plugin: record.manifest.name, cleanupError });
  }

  #record(name: string): PluginRecord {
    const record = this.#plugins.get(name);
    if (record === undefined) throw this.#notFound(name);
    return record;
  }

  #notFound(name: string): ThreadspaceError {
    const known = [...this.#plugins.keys()].join(", ") || "none";
    return new ThreadspaceError("plugin_not_found", `no plugin named "${name}" is installed (installed: ${known}).`);
  }

  #unavailable(name: string): ThreadspaceError {
    if (this.#closed) return new ThreadspaceError("engine_closed", "the engine is closed; create a new one.");
    if (!this.#plugins.has(name)) return this.#notFound(name);
    if (!this.#config.enabled(name)) {
      return new ThreadspaceError("plugin_unavailable", `is disabled by its config (enabled: false). Start it with engine.config.set("${name}", { enabled: true }).`, { plugin: name });
    }
    return new ThreadspaceError("plugin_unavailable", `is installed but not loaded. Call engine.load("${name}") first.`, { plugin: name });
  }

  #installedView(name: string): InstalledPlugin | undefined {
    const record = this.#plugins.get(name);
    if (record === undefined) return undefined;
    return { version: record.manifest.version, loaded: record.runner !== undefined, dependencies: record.manifest.dependencies };
  }

  #installedMap(): Map<string, InstalledPlugin> {
    const map = new Map<string, InstalledPlugin>();
    for (const name of this.#plugins.keys()) map.set(name, this.#installedView(name) as InstalledPlugin);
    return map;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ThreadspaceError("engine_closed", "the engine is closed; create a new one.");
  }

  #info(record: PluginRecord): PluginInfo {
    const { name } = record.manifest;
    const state = record.runner !== undefined ? "ready" : this.#config.enabled(name) ? "unloaded" : "disabled";
    return describePlugin(record, state, this.#host.permissions.list(name));
  }
}

/** `view` as if loaded (for checking the dependencies of a plugin that is not started). */
const loadedView = (view: InstalledPlugin | undefined): InstalledPlugin | undefined => (view === undefined ? undefined : { ...view, loaded: true });

/**
 * Creates an engine.
 *
 * @example
 * const engine = await createEngine();
 * await engine.install("./examples/hello");
 * console.log((await engine.call("hello", "greet", "World")).text());
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const engine = new Engine(options);
  try {
    await engine[TRUST];
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
  if (options.storage !== undefined) {
    try {
      await engine[RESTORE]();
    } catch (error) {
      await engine.close().catch(() => undefined);
      throw error;
    }
  }
  return engine;
}
