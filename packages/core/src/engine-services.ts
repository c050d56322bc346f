/**
 * The engine's composition root: builds every service of one engine from its options, in the
 * order their dependencies need (the persistence before the host that is given it, the host
 * before the stores and views over it), and wires them to each other once, here. `Engine` keeps
 * only its own work (install, call, unload) and hands this file the few things only it can do
 * ({@link EngineControl}).
 */
import { Host, memoryView, threadView, type MemoryView, type ThreadView } from "@threadspace/host";
import type { PluginRunner } from "./calls/plugin-runner.ts";
import { invokeDependency } from "./calls/invoke-dependency.ts";
import { CallChains } from "./calls/call-chains.ts";
import { LazyPools } from "./isolation/lazy-pools.ts";
import { ConfigRuntime } from "./config/config-runtime.ts";
import { engineConfig, type EngineConfig } from "./config/engine-config.ts";
import type { EngineOptions, EngineLogger } from "./engine-options.ts";
import { EventDelivery, type EngineEvents } from "./events/event-delivery.ts";
import { EventLog } from "./events/event-log.ts";
import { type ModuleCache, sharedModuleCache } from "./install/module-cache.ts";
import { HealthMonitor } from "./lifecycle/monitor.ts";
import { CallLimits, WorkerSlots } from "./limits/call-limits.ts";
import type { HostLimitsPolicy } from "./limits/index.ts";
import { applyBufferSize } from "./logs/engine-logs.ts";
import { forwardLogs } from "./logs/forward-logs.ts";
import { enginePermissions, type EnginePermissions } from "./permissions/engine-permissions.ts";
import type { PluginRecord } from "./plugin-record.ts";
import { Committer } from "./storage/committer.ts";
import { EnginePersistence, committerPersistence } from "./storage/engine-persistence.ts";
import { MemoryQuota } from "./storage/memory-quota.ts";
import { PluginData, type EngineData } from "./storage/plugin-data.ts";

/** The installed plugins of one engine, by name, and the names being installed right now. */
export class PluginRegistry {
  readonly plugins = new Map<string, PluginRecord>();
  readonly pending = new Set<string>();

  /** True when `name` is installed or being installed. */
  has(name: string): boolean {
    return this.plugins.has(name) || this.pending.has(name);
  }

  /** The runners of the loaded plugins. */
  *loadedRunners(): Iterable<PluginRunner> {
    for (const record of this.plugins.values()) if (record.runner !== undefined) yield record.runner;
  }
}

/** What only the engine itself can do, handed to the services that need it. */
export interface EngineControl {
  /** Throws `plugin_not_found` for a name that is not installed. */
  check(name: string): void;
  /** Starts an installed plugin (a config change set `enabled: true`). */
  load(name: string): Promise<unknown>;
  /** Throws when stopping `name` would strand loaded dependents. */
  checkStop(name: string): void;
  /** Stops a plugin (a config change set `enabled: false`). */
  stop(name: string): Promise<void>;
}

/** Every service of one engine, built by {@link buildEngineServices}. */
export interface EngineServices {
  readonly logger: EngineLogger;
  readonly registry: PluginRegistry;
  readonly limitsPolicy: HostLimitsPolicy;
  /** Compiled modules by (wasm sha256, rewrite options): installs of the same bytes compile once. */
  readonly modules: ModuleCache;
  /** hostCallsPerCall and eventsPerSecond, enforced in the host functions. */
  readonly callLimits: CallLimits;
  readonly workerSlots: WorkerSlots | undefined;
  /** What each plugin's calls wait for now (ts_plugin_call, pool workers): a call that would wait for itself is refused with `busy`. */
  readonly chains: CallChains;
  /** Worker pools (`limits.isolation: "pool"`), counted against `workerSlots`: started with their first plugin, closed with the engine. */
  readonly pools: LazyPools;
  /** Call metrics, health polling and the circuit breaker. */
  readonly monitor: HealthMonitor;
  /** The host, built with its persistence (the storage driver's committer, or the in-memory quota). */
  readonly host: Host;
  readonly eventLog: EventLog;
  /** What the engine keeps in `options.storage` (undefined: memory only). */
  readonly storage: EnginePersistence | undefined;
  readonly data: PluginData;
  readonly delivery: EventDelivery;
  readonly config: ConfigRuntime;
  /** The embedder's views (`engine.permissions`, `engine.config`, `engine.data`, ...). */
  readonly api: {
    readonly permissions: EnginePermissions;
    readonly config: EngineConfig;
    readonly data: EngineData;
    readonly events: EngineEvents;
    readonly memories: MemoryView;
    readonly threads: ThreadView;
  };
}

/** Builds the services of one engine (options already checked by the caller). */
export function buildEngineServices(options: EngineOptions, control: EngineControl): EngineServices {
  const logger = options.logger ?? console;
  const registry = new PluginRegistry();
  // The engine's own frozen copy: later changes to the embedder's object change nothing, and
  // limits resolved under it can be shared by every install of the same plugin.json.
  const limitsPolicy = options.limits === undefined ? NO_POLICY : frozenPolicy(options.limits);
  const quotaOf = (name: string): number | undefined => registry.plugins.get(name)?.limits.limits.storageBytes ?? limitsPolicy.defaults?.storageBytes;
  const callLimits = new CallLimits();
  const workerSlots = options.isolation?.maxWorkers === undefined ? undefined : new WorkerSlots(options.isolation.maxWorkers);
  const chains = new CallChains();
  const pools = new LazyPools(options.isolation, chains, workerSlots);
  // Events published by the services reach the bus once it exists (below); nothing emits before.
  let publish: (topic: string, payload: unknown) => void = () => undefined;
  const monitor = new HealthMonitor(options, (topic, payload) => publish(topic, payload));
  monitor.start(() => registry.loadedRunners());

  // The persistence first: the host is given it when it is built (one way to commit).
  const committer = options.storage === undefined ? undefined : new Committer(options.storage, { limitOf: quotaOf }, logger);
  // Without a driver, quotas still hold: the same ledger, in memory.
  const memoryQuota = committer === undefined ? new MemoryQuota(quotaOf) : undefined;
  const host = new Host({
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    beforeCall: callLimits.beforeHostCall,
    invokePlugin: (caller, callee, exportName, input) => invokeDependency(registry.plugins.get(caller)?.manifest, registry.plugins.get(callee)?.runner, callee, exportName, input, (runner) => monitor.admit(runner), chains),
    persistence: committer === undefined ? (memoryQuota as MemoryQuota).persistence : committerPersistence(committer),
  });
  const eventLog = new EventLog(host.state.events, options.eventLogSize);
  const storage = committer === undefined ? undefined : new EnginePersistence({ committer, host, logger, monitor, eventLog, journalDelayMs: options.journalDelayMs });
  const permissions = enginePermissions(host.permissions, control.check, (name) => storage?.grantsChanged(name) ?? Promise.resolve());
  const data = new PluginData(host, storage?.committer);
  const delivery = new EventDelivery(host.state.events, host.permissions, { logger, queueSize: options.eventQueueSize, check: control.check, log: eventLog });
  const events = delivery.api;
  publish = (topic, payload) => events.emit(topic, payload);
  const { config: configStore, logs } = host.state;
  applyBufferSize(logs, options.logBufferSize);
  forwardLogs(logs, logger);
  const config = new ConfigRuntime({
    store: configStore,
    logs,
    defaultLevel: options.logLevel ?? "warn",
    changed: (plugin, merged) => events.emit("config.changed", { plugin, config: merged }),
    persist: storage === undefined ? undefined : (plugin, overrides) => storage.configChanged(plugin, overrides),
    control: {
      runner: (name) => registry.plugins.get(name)?.runner,
      start: async (name) => void (await control.load(name)),
      checkStop: control.checkStop,
      stop: control.stop,
    },
  });
  return {
    logger,
    registry,
    limitsPolicy,
    modules: sharedModuleCache,
    callLimits,
    workerSlots,
    chains,
    pools,
    monitor,
    host,
    eventLog,
    storage,
    data,
    delivery,
    config,
    api: {
      permissions,
      config: engineConfig(configStore, config, control.check),
      data: data.api((name) => registry.has(name)),
      events,
      memories: memoryView(host.state.memories),
      threads: threadView(host.state.threads),
    },
  };
}

/** The policy of every engine created without `limits`: one object, so limits resolved under it are shared by all of them. */
const NO_POLICY: HostLimitsPolicy = Object.freeze({});

/** The limits policy copied and frozen (it is flat: limits and one `defaults` object of limits; options are checked before). */
function frozenPolicy(policy: HostLimitsPolicy): HostLimitsPolicy {
  const { defaults, ...ceilings } = policy;
  return Object.freeze(defaults === undefined ? ceilings : { ...ceilings, defaults: Object.freeze({ ...defaults }) });
}
