import { ThreadspaceError } from "@threadspace/errors";
import { encodeInput, type CallInput } from "./calls/call-input.ts";
import { CallResult } from "./calls/call-result.ts";
import { callWithHooks } from "./calls/call-with-hooks.ts";
import { callBudget, type CallOptions } from "./calls/call-options.ts";
import type { MeteringOptions } from "./fuel/metering-policy.ts";
import type { CallBudget } from "./calls/plugin-runner.ts";
import type { PluginRunner } from "./calls/plugin-runner.ts";
import type { Host, CustomHostApi, MemoryView, ThreadView } from "@threadspace/host";
import type { EventDelivery, EngineEvents } from "./events/event-delivery.ts";
import { buildEngineServices } from "./engine-services.ts";
import { checkEngineOptions } from "./options/check-engine-options.ts";
import { DEFAULT_MAX_WASM_BYTES, type EngineOptions, type InstallOptions, type LogLevel, type EngineLogger, type UninstallOptions, type UnloadOptions } from "./engine-options.ts";
import { resolveGrants, type GrantPolicy } from "./permissions/grant-policy.ts";
import { checkLogsFilter, checkLogsQuery, checkThreshold, type LogEntry, type LogsFilter, type LogsQuery } from "./logs/engine-logs.ts";
import type { EnginePermissions } from "./permissions/engine-permissions.ts";
import type { RunnerLimits } from "./calls/plugin-runner.ts";
import { checkHostLimitsPolicy, type HostLimitsPolicy } from "./limits/index.ts";
import { Hooks, type EngineHookName, type EngineHooks } from "./hooks.ts";
import { checkDependencies, dependentsOf, planInstallOrder, stopOrder, type InstalledPlugin } from "./install/dependencies.ts";
import type { InstallSource } from "./install/install-source.ts";
import { prepareBundle, type PrepareOptions } from "./install/prepare-bundle.ts";
import { sha256Hex } from "./install/integrity.ts";
import type { ModuleCache } from "./install/module-cache.ts";
import { readSource, type SourceBundle } from "./install/read-source.ts";
import type { HealthReport } from "./lifecycle/health.ts";
import { runCleanup } from "./lifecycle/lifecycle.ts";
import { startPlugin, type StartOptions } from "./lifecycle/start-plugin.ts";
import { refusedUpgrade, upgradeAll, type RetiredBuild } from "./lifecycle/plugin-upgrade.ts";
import { UpgradeGate } from "./lifecycle/upgrade-gate.ts";
import type { ConfigRuntime, PluginConfig } from "./config/config-runtime.ts";
import type { EngineConfig } from "./config/engine-config.ts";
import type { LazyPools } from "./isolation/lazy-pools.ts";
import { workerTransport } from "./isolation/isolation-policy.ts";
import { syncExtismConfig } from "./config/extism-config.ts";
import { describePlugin, type PluginInfo } from "./plugin-info.ts";
import { pluginRecord, type PluginRecord } from "./plugin-record.ts";
import type { EnginePersistence } from "./storage/engine-persistence.ts";
import type { PluginData, EngineData, UninstallResult } from "./storage/plugin-data.ts";
import { resolveTrust } from "./install/trust.ts";
import type { TrustPolicy } from "@threadspace/bundle";
import { DEFAULT_MAX_QUEUED_CALLS, type CallLimits, type WorkerSlots } from "./limits/call-limits.ts";
import type { EffectiveLimits } from "./limits/limits-policy.ts";
import { DEFAULT_HEALTH_TIMEOUT_MS, type HealthMonitor } from "./lifecycle/monitor.ts";
import { debugInfo, type DebugInfo } from "./lifecycle/debug-info.ts";
import { cannotDisableError, dependencyInUseError, engineClosedError, pluginNotFoundError, pluginUnavailableError } from "./engine-errors.ts";
import { AnyNameFunctions, type HostFunctionsDefinition } from "./host-functions/any-name-functions.ts";
import type { CompatServices } from "./host-functions/plugin-extras.ts";
import { resolveHttpOptions } from "./http/http-options.ts";
import { resolveWasiOptions } from "./wasi/wasi-options.ts";
import { platform } from "#platform";
import type { LinkedModule } from "./install/linked-modules.ts";
import { DEFAULT_MAX_REQUEST_BYTES, canSuspend } from "@threadspace/host";
import { EngineTraces, type TappedRun } from "./replay/engine-traces.ts";
import type { ReplayOptions, ReplayResult, ReplayTarget } from "./replay/replay-call.ts";
import type { CallTrace } from "./replay/trace.ts";

/** Runs the engine's start-time load from storage (called by `createEngine` only). */
const RESTORE: unique symbol = Symbol("restore");
/** The engine's imported trusted keys (awaited by `createEngine` only). */
const TRUST: unique symbol = Symbol("trust");
const NO_RESTORE_ERRORS: ReadonlyMap<string, ThreadspaceError> = new Map();

/**
 * The Threadspace engine: installs plugins, runs their lifecycle and serves calls.
 * Create it with {@link createEngine}.
 */
export class Engine {
  readonly #plugins: Map<string, PluginRecord>;
  readonly #pending: Set<string>;
  readonly #hooks = new Hooks();
  readonly #logger: EngineLogger;
  readonly #maxWasmBytes: number;
  /** `trustedKeys` imported and `requireSignature` settled (awaited by `createEngine`, which surfaces a bad key). */
  readonly #trust: Promise<TrustPolicy>;
  readonly #grantPolicy: GrantPolicy;
  readonly #limitsPolicy: HostLimitsPolicy;
  readonly #metering: MeteringOptions | undefined;
  /** Compiled modules by (wasm sha256, rewrite options): installs of the same bytes compile once. */
  readonly #modules: ModuleCache;
  readonly #isolation: EngineOptions["isolation"];
  readonly #host: Host;
  readonly #delivery: EventDelivery;
  readonly #config: ConfigRuntime;
  /** hostCallsPerCall and eventsPerSecond, enforced in the host functions (limits/call-limits.ts). */
  readonly #callLimits: CallLimits;
  readonly #workerSlots: WorkerSlots | undefined;
  /** Worker pools (`limits.isolation: "pool"`): started with their first plugin, closed with the engine. */
  readonly #pools: LazyPools;
  readonly #maxQueued: number;
  /** Debug mode: outputs checked against plugin.json's output schemas. */
  readonly #checkOutputs: boolean;
  /** Call metrics, health polling and the circuit breaker (lifecycle/monitor.ts). */
  readonly #monitor: HealthMonitor;
  readonly #healthTimeoutMs: number;
  /** The embedder's host functions by any name (`defineHostFunctions`). */
  readonly #anyName = new AnyNameFunctions();
  /** HTTP and functions by any name, as every plugin start gets them (host-functions/plugin-extras.ts). */
  readonly #compat: CompatServices;
  /** Recording and replay of calls (replay/, docs/replay.md). */
  readonly #traces: EngineTraces;
  /** Upgrades running now; calls that reach a name mid-swap wait for it (lifecycle/upgrade-gate.ts). */
  readonly #upgrades: UpgradeGate;
  #closed = false;
  /** What the engine keeps in `options.storage`: calls' commits, bundles, grants, config, journal (undefined: memory only). */
  readonly #storage: EnginePersistence | undefined;
  /** Whose data is under each plugin name; removal of a plugin's data (storage/plugin-data.ts). */
  readonly #data: PluginData;
  /**
   * Data kept after `uninstall` (bound to the plugin that wrote it): `kept(name)` says what and
   * whose, `remove(name)` removes it. See `uninstall`'s `keepData` and `install`'s `data`.
   */
  readonly data: EngineData;
  /** Plugins' config: `get`, `set` (validated overrides), `reset`. See {@link EngineConfig}. */
  readonly config: EngineConfig;
  /** The memories plugins read and write through `ts_memory_*`; writes commit at once and publish the same events. */
  readonly memories: MemoryView;
  /** The threads plugins read and write through `ts_thread_*`; writes commit at once and publish the same events. */
  readonly threads: ThreadView;
  /** The event bus: subscribe with `on(pattern, handler)`, publish with `emit(topic, payload)`, see `stats(name)`. */
  readonly events: EngineEvents;

  constructor(options: EngineOptions = {}) {
    checkEngineOptions(options);
    checkHostLimitsPolicy(options.limits ?? {});
    this.#maxQueued = options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS;
    if (!Number.isSafeInteger(this.#maxQueued) || this.#maxQueued < 0) throw new RangeError(`maxQueuedCalls must be a whole number from 0; got ${String(options.maxQueuedCalls)}`);
    this.#upgrades = new UpgradeGate(this.#maxQueued);
    this.#maxWasmBytes = options.maxWasmBytes ?? DEFAULT_MAX_WASM_BYTES;
    this.#trust = resolveTrust(options);
    this.#trust.catch(() => undefined);
    this.#grantPolicy = options.grant ?? false;
    this.#metering = options.metering;
    this.#isolation = options.isolation;
    this.#checkOutputs = options.checkOutputs === true;
    this.#healthTimeoutMs = options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    // Every service is built and wired in one place (engine-services.ts); the engine keeps its own work.
    const services = buildEngineServices(options, {
      check: (name) => void this.#record(name),
      load: (name) => this.load(name),
      checkStop: (name) => this.#checkDisable(name),
      stop: (name) => this.#stop(this.#record(name)),
    });
    this.#logger = services.logger;
    this.#plugins = services.registry.plugins;
    this.#pending = services.registry.pending;
    this.#limitsPolicy = services.limitsPolicy;
    this.#modules = services.modules;
    this.#callLimits = services.callLimits;
    this.#workerSlots = services.workerSlots;
    this.#pools = services.pools;
    this.#monitor = services.monitor;
    this.#host = services.host;
    this.#storage = services.storage;
    this.#data = services.data;
    this.#delivery = services.delivery;
    this.#config = services.config;
    this.permissions = services.api.permissions;
    this.config = services.api.config;
    this.data = services.api.data;
    this.events = services.api.events;
    this.memories = services.api.memories;
    this.threads = services.api.threads;
    this.#compat = {
      anyName: this.#anyName,
      gate: { granted: (plugin, permission) => this.#host.permissions.has(plugin, permission), beforeCall: this.#callLimits.beforeHostCall, maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES },
      http: resolveHttpOptions(options.http),
      wasi: resolveWasiOptions(options.wasi, platform.serveWasi !== undefined),
      canSuspend,
    };
    this.#traces = new EngineTraces(options.record, (message) => this.#logger.warn(message), { logs: this.#host.state.logs, events: this.#host.state.events });
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
   * the middle of a plugin call; grants are remembered per plugin identity (name and wasm sha256).
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

  /**
   * Serves host functions under any import name, the way other Extism hosts define them, so a
   * plugin built for another Extism host runs unchanged: `(callContext, ...args) => result`
   * (Extism's CallContext; `async` allowed), in `extism:host/user` by default or in the
   * `namespace` given. Each call is gated like Threadspace's own APIs: the `permission` (checked
   * live), `limits.hostCallsPerCall`, reads capped at `maxRequestBytes`, fuel charged; an error
   * thrown fails the plugin's call (a `ThreadspaceError` keeps its code, anything else is
   * `plugin_error`). Define them before installing the plugins that import them.
   *
   * @example
   * engine.defineHostFunctions({ permission: "custom:greet", functions: {
   *   hello_world: (context, handle) => context.store(`hello, ${context.read(handle)?.text()}`),
   * } });
   */
  defineHostFunctions(definition: HostFunctionsDefinition): void {
    this.#anyName.define(definition, this.#host.importNames());
  }

  /** The key-value state of one plugin, as the embedder sees it (same data as `ts_kv_*`). */
  kv(name: string): ReturnType<Host["state"]["kv"]["forPlugin"]> {
    this.#record(name);
    return this.#host.state.kv.forPlugin(name);
  }

  /**
   * Installs and starts a plugin: reads the source, validates plugin.json, checks the wasm's
   * sha256 before compiling, checks dependencies and imports, runs `init_plugin` and checks
   * `get_metadata`. On any failure nothing stays registered (an upgrade that fails leaves the
   * installed build serving: see `ifInstalled`).
   */
  async install(source: InstallSource, options: InstallOptions = {}): Promise<PluginInfo> {
    this.#assertOpen();
    const bundle = await readSource(source, this.#maxWasmBytes, await this.#trust);
    const { name } = bundle.manifest;
    // One upgrade of a name at a time: a second install sees what the first left installed.
    const upgrading = this.#upgrades.idle(name);
    if (upgrading !== undefined) await upgrading;
    const installed = this.#plugins.get(name);
    let config = options.config;
    let data = options.data;
    if (installed !== undefined && options.ifInstalled === "keep") return this.#info(installed);
    if (installed !== undefined && options.ifInstalled === "upgrade") {
      const sha256 = bundle.wasm instanceof WebAssembly.Module ? undefined : ((await bundle.sha256) ?? `sha256:${await sha256Hex(bundle.wasm)}`);
      if (sha256 !== undefined && sha256 === installed.sha256 && bundle.manifest.version === installed.manifest.version) return this.#info(installed);
      config ??= this.config.overrides(name);
      data ??= "inherit";
      // Check the new build (hash, rewrite, compile, imports, exports) before the old one goes:
      // a broken build is refused with the old plugin still serving. The compile is kept in the
      // module cache, so the install below does not repeat it.
      await prepareBundle(bundle, this.#prepareOptions()).catch((error: unknown) => {
        throw refusedUpgrade(bundle.manifest, installed.manifest.version, installed.runner !== undefined, error);
      });
      // All or nothing: a new build that fails to start gives way to the old one, put back as it was.
      const install = () => this.#installChecked(bundle, options.grant, config, data);
      return this.#upgrades.run(name, () => upgradeAll(bundle.manifest, { retire: () => this.#retire(name), install, registered: () => this.#plugins.has(name), reinstate: (retired, why) => this.#reinstate(retired, why) }));
    }
    return this.#installChecked(bundle, options.grant, config, data);
  }

  /** Installs a read bundle: its data admitted, installed and started, stored, its data claimed. */
  async #installChecked(bundle: SourceBundle, grant: InstallOptions["grant"], config: InstallOptions["config"], data: InstallOptions["data"]): Promise<PluginInfo> {
    const owner = await this.#admitData(bundle, data);
    const info = await this.#installBundle(bundle, { grant, config: this.#moduleConfig(bundle) ?? config });
    await this.#persistInstall(bundle);
    await this.#data.claim(bundle.manifest.name, owner);
    return info;
  }

  /**
   * Takes an installed plugin off the registry for an upgrade (lifecycle/plugin-upgrade.ts): its
   * queued calls run, it stops, its live grants go; its config, log, health history, traces, data
   * and stored records stay until the new build is in.
   */
  async #retire(name: string): Promise<RetiredBuild> {
    const record = this.#record(name);
    const dependents = dependentsOf(name, this.#installedMap(), true);
    if (dependents.length > 0) throw dependencyInUseError(name, dependents);
    const permissions = this.#host.permissions;
    const retired: RetiredBuild = {
      record,
      loaded: record.runner !== undefined,
      grants: permissions.list(name),
      explicitGrants: permissions.explicit(name),
      overrides: this.config.overrides(name),
      logLevel: this.#host.state.logs.level(name),
      log: this.#host.state.logs.keep(name),
    };
    await this.#stop(record);
    this.#plugins.delete(name);
    permissions.forget(name);
    this.#callLimits.forget(name);
    return retired;
  }

  /** Puts a retired build back as it was (grants, config, its log and level), says `why` in its log, and starts it when it was running. */
  async #reinstate(retired: RetiredBuild, why: string): Promise<void> {
    if (this.#closed) throw engineClosedError();
    const { record } = retired;
    const { name } = record.manifest;
    const logs = this.#host.state.logs;
    this.#plugins.set(name, record);
    this.#host.permissions.assign(name, record.sha256, retired.grants, retired.explicitGrants);
    this.#config.install(record.manifest, retired.overrides);
    if (retired.log === undefined) logs.setLevel(name, retired.logLevel);
    else logs.restore(retired.log, retired.logLevel);
    logs.append(name, "warn", why, undefined, "engine");
    if (retired.loaded) await this.load(name);
  }

  /** Checks that data kept under the bundle's name is this plugin's (or handed over or discarded as `choice` says); returns its identity. */
  async #admitData(bundle: SourceBundle, choice: InstallOptions["data"]): Promise<Awaited<ReturnType<PluginData["identityOf"]>>> {
    if (choice !== undefined && choice !== "inherit" && choice !== "discard") throw new ThreadspaceError("bad_input", `install: "data" must be "inherit" or "discard", not ${JSON.stringify(choice)}.`);
    const owner = await this.#data.identityOf(bundle);
    const name = bundle.manifest.name;
    // An installed name is refused by #installBundle (already_installed): never touch its data here.
    if (!this.#plugins.has(name) && !this.#pending.has(name)) await this.#data.admit(name, owner, choice);
    return owner;
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
      const owner = await this.#admitData(bundle, undefined);
      installed.push(await this.#installBundle(bundle, { config: this.#moduleConfig(bundle) }));
      await this.#persistInstall(bundle);
      await this.#data.claim(bundle.manifest.name, owner);
    }
    return installed;
  }

  /**
   * Calls an export. Input: string (UTF-8), bytes, or a JSON value. Calls to one plugin run one
   * at a time. `options.fuel` sets this call's fuel budget (capped by the host's policy); the
   * result's `fuel` says what it used.
   */
  call(name: string, exportName: string, input?: CallInput, options?: CallOptions): Promise<CallResult> {
    const record = this.#plugins.get(name);
    const runner = record?.runner;
    if (record === undefined || runner === undefined) return this.#upgrades.after(name, () => this.call(name, exportName, input, options)) ?? Promise.reject(this.#unavailable(name));
    const open = this.#monitor.admit(runner);
    if (open !== undefined) return Promise.reject(open);
    let encoded: string | Uint8Array;
    let budget: CallBudget | undefined;
    let recorded: boolean;
    try {
      encoded = encodeInput(input, name);
      budget = options === undefined ? undefined : callBudget(options, this.#limitsPolicy.fuel, name);
      recorded = this.#traces.records(options?.record, name);
    } catch (error) {
      return Promise.reject(error);
    }
    if (recorded) return this.#traces.call(this.#traceTarget(record), exportName, encoded, budget?.fuel, options?.record === true, this.#tapped(name, runner, exportName, budget));
    if (this.#hooks.watchesCalls) {
      return callWithHooks(this.#hooks, name, runner, exportName, encoded, budget);
    }
    return runner.call(exportName, encoded, (output, fuel) => new CallResult(output, name, fuel), budget);
  }

  /**
   * Runs a recorded call again (docs/replay.md) on the trace's plugin or `options.plugin` (a
   * rebuilt one), serving every host reply from the trace: nothing is read from or written to
   * the engine's state. Resolves with `{ same, differences, output, error, fuel, notes }`: the
   * first differing host request (index, expected, got), then a different output, error code or
   * fuel count. A trace that is not one (wrong format or version, oversized, malformed, fields of
   * the wrong type) is refused with `bad_input` listing the JSON paths.
   *
   * @example
   * const { same, differences } = await engine.replay(JSON.parse(text), { plugin: "analyzer-next" });
   */
  async replay(trace: unknown, options: ReplayOptions = {}): Promise<ReplayResult> {
    this.#assertOpen();
    const parsed = this.#traces.parse(trace, options);
    const name = options.plugin ?? parsed.plugin.name;
    const record = this.#record(name);
    const runner = record.runner;
    if (runner === undefined) throw this.#unavailable(name);
    // Not counted in the plugin's health (an open circuit does not stop it either): replaying its failures is how they are debugged.
    const budget = parsed.budget === undefined ? undefined : callBudget({ fuel: parsed.budget }, this.#limitsPolicy.fuel, name);
    return this.#traces.replay(parsed, this.#traceTarget(record), (tap, input) => runner.replay(parsed.export, input, (output, fuel) => new CallResult(output, name, fuel), budget, tap));
  }

  /** The traces of a plugin's recorded calls that failed, oldest first (`createEngine({ record: "errors" })` or `{ record: true }`). */
  traces(name: string): CallTrace[] {
    this.#record(name);
    return this.#traces.list(name);
  }

  /** What a trace says about the plugin it ran on. */
  #traceTarget(record: PluginRecord): ReplayTarget {
    const { name, version } = record.manifest;
    const kernel = this.#config.extismConfig(name);
    const kernelConfig = { serve: (config: Readonly<Record<string, unknown>>) => syncExtismConfig(kernel, config), restore: () => this.#plugins.has(name) && syncExtismConfig(kernel, this.config.get(name)) };
    // The store's merged config is replaced, never changed, when the config changes: no copy needed here.
    return { name, version, sha256: record.sha256 ?? null, config: this.#host.state.config.get(name), kernelConfig };
  }

  /** A recorded call of `exportName`, through the call hooks when some are registered. */
  #tapped(name: string, runner: PluginRunner, exportName: string, budget: CallBudget | undefined): TappedRun {
    return (tap, input) =>
      this.#hooks.watchesCalls
        ? callWithHooks(this.#hooks, name, runner, exportName, input, budget, tap)
        : runner.call(exportName, input, (output, fuel) => new CallResult(output, name, fuel), budget, undefined, tap);
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
    record.runner = await startPlugin(record.manifest, record.module, record.shape, this.#startOptions(name, record.limits.limits, record.linked));
    this.#config.started(name);
    this.#monitor.attach(record.runner);
    this.#delivery.attach(record.manifest, record.runner);
    this.#delivery.publishLifecycle("plugin.loaded", { name, version: record.manifest.version });
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
    if (dependents.length > 0 && options.cascade !== true) throw dependencyInUseError(name, dependents);
    for (const dependent of dependents) await this.#stop(this.#record(dependent));
    await this.#stop(record);
    await this.#persistLoaded([...dependents, name], false);
  }

  /**
   * Unloads a plugin and forgets it. Refused with `dependency_in_use` while installed plugins
   * (loaded or not) depend on it, unless `{ cascade: true }`, which uninstalls them first.
   * Its data is kept, bound to it (installed again it gets it back; a different plugin under the
   * name does not, see `install`'s `data`), or removed with `{ keepData: false }`; the result
   * says which and what is kept. Kept data keeps the grants the embedder gave the plugin (for the
   * same plugin installed again); `engine.data.remove(name)` later removes both. Nothing else of
   * the name stays (log, config, event counters, health history, traces).
   */
  async uninstall(name: string, options: UninstallOptions = {}): Promise<UninstallResult> {
    if (!this.#plugins.has(name) && this.#storage?.restoreErrors.delete(name) === true) {
      // Found in storage but not started (e.g. hash_mismatch): forget its stored records.
      await this.#storage.uninstalled([name]);
      return this.#uninstalledData([name], name, options.keepData);
    }
    this.#record(name);
    const dependents = dependentsOf(name, this.#installedMap(), true);
    if (dependents.length > 0 && options.cascade !== true) throw dependencyInUseError(name, dependents);
    for (const dependent of [...dependents, name]) {
      const record = this.#plugins.get(dependent);
      if (record !== undefined) await this.#stop(record);
      this.#plugins.delete(dependent);
      this.#host.permissions.forget(dependent);
      this.#config.forget(dependent);
      this.#callLimits.forget(dependent);
      this.#monitor.forget(dependent);
      this.#traces.forget(dependent);
      this.#delivery.forget(dependent);
      this.#pools.forget(dependent);
    }
    await this.#storage?.uninstalled([...dependents, name]);
    return this.#uninstalledData([...dependents, name], name, options.keepData);
  }

  /** Keeps or removes the data of uninstalled plugins; the result of `uninstall`. */
  async #uninstalledData(names: readonly string[], name: string, keepData = true): Promise<UninstallResult> {
    if (keepData) {
      await this.#data.releaseEmpty(names);
      return { uninstalled: names, data: "kept", kept: this.#data.count(name) };
    }
    for (const each of names) await this.#data.remove(each);
    return { uninstalled: names, data: "removed", kept: this.#data.count(name) };
  }

  /** Unloads every plugin (dependents first, running each `cleanup`) and refuses further work. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#monitor.stop();
    // No plugin gets events from here on: each stop's `plugin.unloaded` is then routed to
    // nobody instead of being matched against every remaining subscriber.
    this.#delivery.detachAll();
    // Dependents before their dependencies, in one pass (not one cascade lookup per plugin).
    const byName = new Map([...this.#plugins].map(([name, record]) => [name, record.manifest]));
    for (const name of stopOrder(byName)) {
      const record = this.#plugins.get(name);
      if (record !== undefined) await this.#stop(record);
    }
    this.#plugins.clear();
    await this.#pools.close();
    // The engine owns the driver it was given: pending commits finish, then it is released.
    await this.#storage?.close();
  }

  /**
   * Plugins found in storage at start that could not be started again (e.g. `hash_mismatch`:
   * the stored wasm no longer matches its sha256; `signature_invalid` or `signature_untrusted`:
   * its stored signature fails the engine's current trust policy). Their stored bundle and data are kept.
   */
  get restoreErrors(): ReadonlyMap<string, ThreadspaceError> {
    return this.#storage?.restoreErrors ?? NO_RESTORE_ERRORS;
  }

  /** @internal Resolves once `trustedKeys` are imported; rejects with `bad_input` naming a bad key. */
  get [TRUST](): Promise<TrustPolicy> {
    return this.#trust;
  }

  /** @internal Loads memories, threads, kv, grants, config and installed plugins from storage, then starts the enabled ones. */
  async [RESTORE](): Promise<void> {
    await this.#data.restore();
    await this.#storage?.restore({
      maxWasmBytes: this.#maxWasmBytes,
      trust: await this.#trust,
      installedView: (name) => this.#installedView(name),
      install: (bundle, config, start) => this.#installBundle(bundle, { config, start, origin: "restored" }),
    });
  }

  /** A module is not stored: installed again after a restart, it gets the config `engine.config.set` stored for it. */
  #moduleConfig(bundle: SourceBundle): PluginConfig | undefined {
    return bundle.wasm instanceof WebAssembly.Module ? this.#storage?.moduleConfig(bundle.manifest.name) : undefined;
  }

  /** Records an installed plugin in storage. */
  async #persistInstall(bundle: SourceBundle): Promise<void> {
    const record = this.#plugins.get(bundle.manifest.name);
    if (record === undefined) return;
    // Linked modules are kept with the bundle, each with the sha256 install computed.
    const moduleHashes = Object.fromEntries((record.linked ?? []).flatMap((each) => (each.sha256 === undefined ? [] : [[each.name, each.sha256]])));
    await this.#storage?.installed(bundle, record.sha256, moduleHashes);
  }


  /** Records that plugins were unloaded or loaded by the embedder (`close()` unloading every plugin is not that). */
  async #persistLoaded(names: readonly string[], loaded: boolean): Promise<void> {
    if (!this.#closed) await this.#storage?.loaded(names, loaded);
  }

  #startOptions(name: string, limits: RunnerLimits & EffectiveLimits, linked: readonly LinkedModule[]): StartOptions {
    // Host-call limits apply from the first lifecycle call (init_plugin runs before the plugin is registered).
    this.#callLimits.use(name, limits);
    return {
      logger: this.#logger,
      host: this.#host,
      extismConfig: this.#config.extismConfig(name),
      limits: { ...limits, maxQueued: this.#maxQueued },
      ...(this.#isolation === undefined ? {} : { isolation: this.#isolation }),
      ...(this.#workerSlots === undefined ? {} : { workerSlots: this.#workerSlots }),
      pools: this.#pools,
      compat: this.#compat,
      linked,
      checkOutputs: this.#checkOutputs,
    };
  }

  /** What every install checks a bundle against: the host functions served, the limits policy, metering, the shared module cache. */
  #prepareOptions(): PrepareOptions {
    return { hostFunctions: this.#host.importNames(), policy: this.#limitsPolicy, metering: this.#metering, modules: this.#modules, alsoServed: (i) => i.kind === "function" && this.#anyName.has(i.module, i.name), wasiValues: workerTransport(this.#isolation) === "bridge" };
  }

  async #installBundle(bundle: SourceBundle, options: BundleInstall = {}): Promise<PluginInfo> {
    const { name } = bundle.manifest;
    const { grant, config, start = true, origin = "installed", chain = [name] } = options;
    if (this.#plugins.has(name) || this.#pending.has(name)) {
      throw new ThreadspaceError("already_installed", `is already installed. Uninstall it first to replace it.`, { plugin: name });
    }
    this.#pending.add(name);
    try {
      // A plugin restored unloaded needs its dependencies installed, not loaded.
      checkDependencies(bundle.manifest, (dep) => (start ? this.#installedView(dep) : loadedView(this.#installedView(dep))), chain);
      const prepared = await prepareBundle(bundle, this.#prepareOptions());
      const permissions = this.#host.permissions;
      const { granted, explicit } = await resolveGrants(prepared.manifest, grant, permissions.remembered(name, prepared.sha256), this.#grantPolicy);
      permissions.assign(name, prepared.sha256, granted, explicit);
      let runner: PluginRunner | undefined;
      try {
        this.#config.install(prepared.manifest, config);
        // `enabled: false`: installed (checked, compiled, granted) but not started.
        if (start && this.#config.enabled(name)) runner = await startPlugin(prepared.manifest, prepared.module, prepared.shape, this.#startOptions(name, prepared.limits.limits, prepared.linked));
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
      const record = pluginRecord(prepared, runner);
      this.#plugins.set(name, record);
      if (runner !== undefined) {
        this.#delivery.attach(record.manifest, runner);
        this.#config.started(name);
        this.#monitor.attach(runner);
      }
      // A plugin started again from storage is `plugin.restored`, not a new install.
      this.#delivery.publishLifecycle(`plugin.${origin}`, { name, version: record.manifest.version });
      const info = this.#info(record);
      await this.#hooks.run("plugin:install", { plugin: info });
      return info;
    } finally {
      this.#pending.delete(name);
    }
  }

  /** `enabled: false` stops a plugin, which must not strand loaded dependents. */
  #checkDisable(name: string): void {
    const dependents = dependentsOf(name, this.#installedMap());
    if (dependents.length > 0) throw cannotDisableError(name, dependents);
  }

  async #stop(record: PluginRecord): Promise<void> {
    const runner = record.runner;
    if (runner === undefined) return;
    record.runner = undefined;
    this.#config.stopping(record.manifest.name);
    this.#delivery.detach(record.manifest.name);
    const cleanupError = await runCleanup(runner);
    await runner.close();
    this.#delivery.publishLifecycle("plugin.unloaded", { name: record.manifest.name });
    if (cleanupError !== undefined) this.#logger.warn(cleanupError.message);
    await this.#hooks.run("plugin:unload", cleanupError === undefined ? { plugin: record.manifest.name } : { plugin: record.manifest.name, cleanupError });
  }

  #record(name: string): PluginRecord {
    const record = this.#plugins.get(name);
    if (record === undefined) throw pluginNotFoundError(name, this.#plugins.keys());
    return record;
  }

  #unavailable(name: string): ThreadspaceError {
    if (this.#closed) return engineClosedError();
    if (!this.#plugins.has(name)) return pluginNotFoundError(name, this.#plugins.keys());
    return pluginUnavailableError(name, this.#config.enabled(name));
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
    if (this.#closed) throw engineClosedError();
  }

  #info(record: PluginRecord): PluginInfo {
    const { name } = record.manifest;
    const state = record.runner !== undefined ? "ready" : this.#config.enabled(name) ? "unloaded" : "disabled";
    return describePlugin(record, state, this.#host.permissions.list(name), record.runner?.isolation.mode === "pool" ? this.#pools.placementOf(name) : undefined);
  }
}

/** How one checked bundle is installed (`install`, `installAll`, the start-time restore). */
interface BundleInstall {
  /** Grants the embedder gave with the install (`install(source, { grant })`). */
  readonly grant?: GrantPolicy | undefined;
  /** Config overrides it starts with (stored ones at restore). */
  readonly config?: PluginConfig | undefined;
  /** False: installed (checked, compiled, granted) but not started. Default true. */
  readonly start?: boolean;
  /** `restored`: started again from storage (`plugin.restored`, not a new install). */
  readonly origin?: "installed" | "restored";
  /** The dependency path that led here, for messages (default: the plugin alone). */
  readonly chain?: readonly string[];
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
