import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { rememberGrants } from "../permissions/remember-grants.ts";
import type { Host, HostPersistence } from "@threadspace/host";
import type { TrustPolicy } from "@threadspace/bundle";
import type { EngineLogger } from "../engine-options.ts";
import type { EventLog } from "../events/event-log.ts";
import { planInstallOrder, type InstalledPlugin } from "../install/dependencies.ts";
import type { SourceBundle } from "../install/read-source.ts";
import type { HealthMonitor } from "../lifecycle/monitor.ts";
import type { PluginConfig } from "../config/config-runtime.ts";
import { Committer } from "./committer.ts";
import { configWrite, grantWrite, installWrites, uninstallWrites } from "./engine-storage.ts";
import { DEFAULT_JOURNAL_DELAY_MS, Journal } from "./journal.ts";
import { restoreState } from "./restore.ts";
import { readStoredBundle } from "./stored-bundle.ts";

/** What {@link EnginePersistence} needs from the engine. */
export interface PersistenceOptions {
  /** The engine's committer over its driver, built first: the host was given it as its persistence. */
  readonly committer: Committer;
  readonly host: Host;
  readonly logger: EngineLogger;
  readonly monitor: HealthMonitor;
  readonly eventLog: EventLog;
  readonly journalDelayMs?: number | undefined;
}

/** The host's persistence over a {@link Committer}: calls and durable writes are committed before they apply, the rest stored behind. */
export function committerPersistence(committer: Committer): HostPersistence {
  return { commit: (tx) => committer.commitCall(tx), behind: (writes, actor) => committer.background(writes, actor) };
}

/** What {@link EnginePersistence.restore} needs to start the stored plugins again. */
export interface RestoreTarget {
  readonly maxWasmBytes: number;
  /** The engine's signature policy now: stored `.tsp` signatures are checked again with it. */
  readonly trust: TrustPolicy;
  /** An installed plugin as dependency checks see it. */
  installedView(name: string): InstalledPlugin | undefined;
  /** Installs a stored bundle with its stored config; `start: false` leaves it unloaded. */
  install(bundle: SourceBundle, config: PluginConfig | undefined, start: boolean): Promise<unknown>;
}

/**
 * Everything an engine with `storage` keeps there, in one place: the plugin calls' commits
 * (through the {@link Committer}), installed bundles, grants, config overrides, unload state,
 * the journal of health history and events, and the start-time restore. The engine calls it at
 * each change; it decides what to write.
 */
export class EnginePersistence {
  readonly committer: Committer;
  readonly #host: Host;
  readonly #logger: EngineLogger;
  readonly #journal: Journal;
  readonly #monitor: HealthMonitor;
  readonly #eventLog: EventLog;
  /** Plugins found in storage that could not be started again, with why. */
  readonly restoreErrors = new Map<string, ThreadspaceError>();
  /** Config overrides stored for plugins with no stored bundle (installed from a module), by name. */
  readonly #moduleConfig = new Map<string, PluginConfig>();

  constructor(options: PersistenceOptions) {
    const committer = options.committer;
    this.committer = committer;
    this.#host = options.host;
    this.#logger = options.logger;
    this.#monitor = options.monitor;
    this.#eventLog = options.eventLog;
    this.#journal = new Journal(committer, options.monitor, options.eventLog, options.journalDelayMs ?? DEFAULT_JOURNAL_DELAY_MS, options.logger);
  }

  /** Records an installed plugin (bundle, grants, config); a precompiled module cannot be stored (logged). */
  async installed(bundle: SourceBundle, sha256: string | undefined, moduleHashes?: Readonly<Record<string, string>>): Promise<void> {
    const name = bundle.manifest.name;
    const permissions = this.#host.permissions;
    const writes = sha256 === undefined ? undefined : installWrites(bundle, sha256, permissions.list(name), permissions.explicit(name), this.#host.state.config.overrides(name), moduleHashes);
    if (writes === undefined) {
      this.#logger.warn(`[threadspace] [plugin ${name}] was installed from a precompiled module (its wasm or a linked module), which cannot be stored: it will not be there after a restart. Install it again then (with its grants): its data and the config set with engine.config.set come back.`);
      return;
    }
    await this.committer.commit(writes);
  }

  /** Records that plugins were unloaded (or loaded again), so that a restart keeps them so; a failure is logged. */
  async loaded(names: readonly string[], loaded: boolean): Promise<void> {
    for (const name of names) {
      await this.committer.setBundleEnabled(name, loaded).catch((error: unknown) => {
        this.#logger.error(`[threadspace] [plugin ${name}] storing that it was ${loaded ? "loaded" : "unloaded"} failed; after a restart it may be ${loaded ? "unloaded" : "loaded"} again: ${messageOf(error)}`);
      });
    }
  }

  /** Stores a plugin's grants (by its wasm's sha256) behind the change; settles once stored. */
  grantsChanged(name: string): Promise<void> {
    const permissions = this.#host.permissions;
    const identity = permissions.identityOf(name);
    return identity === undefined ? Promise.resolve() : this.committer.behind([grantWrite(identity, permissions.list(name), permissions.explicit(name))], "host");
  }

  /** Stores a plugin's new config overrides; `engine.config.set` resolves after it (a failure rejects it, nothing applied). */
  configChanged(name: string, overrides: Readonly<Record<string, unknown>>): Promise<void> {
    return this.committer.commit([configWrite(name, overrides)]);
  }

  /**
   * The config overrides `engine.config.set` stored for a plugin installed from a module, which is
   * not stored itself: the embedder installs it again after a restart, and its config comes back.
   */
  moduleConfig(name: string): PluginConfig | undefined {
    return this.#moduleConfig.get(name);
  }

  /** Forgets plugins' stored records. */
  uninstalled(names: readonly string[]): Promise<void> {
    for (const name of names) this.#moduleConfig.delete(name);
    return this.committer.commit(names.flatMap(uninstallWrites));
  }

  /**
   * Loads memories, threads, kv, grants, config, health history and the event log (keeping the
   * config of plugins installed from modules for {@link moduleConfig}), then installs
   * the stored plugins in dependency order (starting the ones not unloaded). Each stored wasm's
   * sha256 is checked again, and a stored `.tsp`'s signature under the engine's current trust
   * policy (under `requireSignature`, a bundle stored without one is refused); a plugin that
   * cannot start is listed in {@link restoreErrors}, its stored bundle and data kept.
   */
  async restore(target: RestoreTarget): Promise<void> {
    const stored = await restoreState(this.committer.driver, this.#host, this.committer.ledger, { monitor: this.#monitor, events: this.#eventLog });
    rememberGrants(this.#host.permissions, stored.grants, stored.bundles);
    for (const [name, overrides] of stored.config) if (!stored.bundles.has(name)) this.#moduleConfig.set(name, overrides);
    const bundles: SourceBundle[] = [];
    for (const [name, record] of stored.bundles) {
      try {
        bundles.push(await readStoredBundle(name, record, target.maxWasmBytes, target.trust));
      } catch (cause) {
        this.#restoreFailed(name, cause);
      }
    }
    let ordered;
    try {
      ordered = planInstallOrder(bundles, (name) => target.installedView(name));
    } catch (cause) {
      for (const bundle of bundles) this.#restoreFailed(bundle.manifest.name, cause);
      return;
    }
    for (const bundle of ordered) {
      const name = bundle.manifest.name;
      try {
        // Unloaded by the embedder (stored `enabled: false`): installed again, not started.
        await target.install(bundle, stored.config.get(name), stored.bundles.get(name)?.enabled !== false);
      } catch (cause) {
        this.#restoreFailed(name, cause);
      }
    }
  }

  #restoreFailed(name: string, cause: unknown): void {
    const error = cause instanceof ThreadspaceError ? cause : new ThreadspaceError("init_failed", `could not be started from storage: ${String(cause)}`, { plugin: name, cause });
    this.restoreErrors.set(name, error);
    this.#logger.error(`[threadspace] [plugin ${name}] not started from storage (its stored bundle and data are kept): ${error.message}`);
  }

  /** Writes the journal, waits for pending commits, and closes the driver (the engine owns it). */
  async close(): Promise<void> {
    this.#journal.stop();
    await this.#journal.flush();
    await this.committer.flush();
    await this.committer.driver.close();
  }
}
