import { messageOf } from "@threadspace/errors";
import type { ConfigChange, ConfigStore, LogStore } from "@threadspace/host";
import type { PluginManifest } from "@threadspace/manifest";
import type { ExportCaller } from "../calls/plugin-runner.ts";
import { levelFromConfig, type LogLevel } from "../engine-options.ts";
import { createExtismConfig, syncExtismConfig, type ExtismConfig } from "./extism-config.ts";
import { TickScheduler } from "./tick-scheduler.ts";

/** A plugin's config as the engine hands it out: a JSON object (a fresh copy, yours to change). */
export type PluginConfig = Record<string, unknown>;

/** What the config runtime needs from the engine to act on `enabled`. */
export interface ConfigControl {
  /** The plugin's running instance, if it is loaded. */
  runner(name: string): ExportCaller | undefined;
  /** Starts the installed plugin (`enabled` became true); throws like `engine.load`. */
  start(name: string): Promise<void>;
  /** Throws `dependency_in_use` when stopping the plugin now would strand loaded dependents. */
  checkStop(name: string): void;
  /** Stops the plugin, running its `cleanup` (`enabled` became false). */
  stop(name: string): Promise<void>;
}

/** Options of {@link ConfigRuntime}. */
export interface ConfigRuntimeOptions {
  readonly store: ConfigStore;
  readonly logs: LogStore;
  readonly control: ConfigControl;
  /** Level of plugins whose config has no `log_level`. */
  readonly defaultLevel: LogLevel;
  /** Announces a change (the engine publishes `config.changed`). */
  readonly changed: (plugin: string, config: PluginConfig) => void;
  /**
   * Stores a change's overrides before it is applied (engines with storage): a failure rejects
   * `set` / `reset` and changes nothing.
   */
  readonly persist?: ((plugin: string, overrides: Readonly<Record<string, unknown>>) => Promise<void>) | undefined;
}

interface PluginSlot {
  readonly extism: ExtismConfig;
  readonly ticks: TickScheduler;
  /** The last config change of this plugin; the next one waits for it. */
  queue: Promise<unknown>;
}

/** A fresh, mutable copy (JSON.parse keeps a `__proto__` key as plain data). */
export function copyConfig(config: Readonly<Record<string, unknown>>): PluginConfig {
  return JSON.parse(JSON.stringify(config)) as PluginConfig;
}

/** `enabled: false` is the only way to be disabled; a missing key means enabled. */
export function isEnabled(config: Readonly<Record<string, unknown>>): boolean {
  return !(Object.hasOwn(config, "enabled") && config["enabled"] === false);
}

function intervalOf(config: Readonly<Record<string, unknown>>): number | undefined {
  const value = Object.hasOwn(config, "interval") ? config["interval"] : undefined;
  return typeof value === "number" ? value : undefined;
}

/**
 * What the engine does with plugin config: keeps each plugin's merged config (in the host's
 * {@link ConfigStore}, which `ts_config_get` reads) and the string copy Extism's `config_get`
 * reads, applies the guide's keys (`enabled` starts and stops the plugin, `log_level` sets its
 * level, `interval` drives `on_tick`), and calls `on_config_change` after a change.
 */
export class ConfigRuntime {
  readonly #options: ConfigRuntimeOptions;
  readonly #plugins = new Map<string, PluginSlot>();

  constructor(options: ConfigRuntimeOptions) {
    this.#options = options;
  }

  /**
   * Registers an installing plugin's config (plugin.json defaults, its `configSchema`, the
   * install's overrides) and opens its log at the config's level. Throws `config_invalid`.
   */
  install(manifest: PluginManifest, overrides?: PluginConfig): Readonly<Record<string, unknown>> {
    const { name } = manifest;
    const { store, logs } = this.#options;
    const config = store.register(name, manifest.config, manifest.configSchema, overrides);
    logs.open(name, levelFromConfig(config, this.#options.defaultLevel));
    const ticks = new TickScheduler(
      () => this.#call(name, "on_tick", JSON.stringify({ at: Date.now() })),
      (error) => logs.append(name, "error", `on_tick failed: ${messageOf(error)}`, undefined, "engine"),
    );
    this.#plugins.get(name)?.ticks.stop();
    this.#plugins.set(name, { extism: createExtismConfig(config), ticks, queue: Promise.resolve() });
    return config;
  }

  /** Forgets a plugin's config and log (uninstall, or a failed install). */
  forget(name: string): void {
    this.#plugins.get(name)?.ticks.stop();
    this.#plugins.delete(name);
    this.#options.store.forget(name);
    this.#options.logs.forget(name);
  }

  /** The live string map to pass as Extism's `config`. */
  extismConfig(name: string): ExtismConfig {
    return this.#slot(name).extism;
  }

  /** True unless the plugin's config says `enabled: false`. */
  enabled(name: string): boolean {
    return isEnabled(this.#options.store.get(name));
  }

  /** The scheduler of a plugin's `on_tick` (for its stats). */
  ticks(name: string): TickScheduler | undefined {
    return this.#plugins.get(name)?.ticks;
  }

  /** The plugin started: ticks begin when its config has an `interval` and it exports `on_tick`. */
  started(name: string): void {
    this.#schedule(name);
  }

  /** The plugin is stopping: no more ticks. */
  stopping(name: string): void {
    this.#plugins.get(name)?.ticks.stop();
  }

  /** Applies overrides (a JSON Merge Patch onto the current ones); see `engine.config.set`. */
  set(name: string, patch: unknown): Promise<PluginConfig> {
    return this.#serial(name, () => this.#options.store.plan(name, patch));
  }

  /** Drops every override; see `engine.config.reset`. */
  reset(name: string): Promise<PluginConfig> {
    return this.#serial(name, () => this.#options.store.planReset(name));
  }

  #serial(name: string, plan: () => ConfigChange): Promise<PluginConfig> {
    const slot = this.#slot(name);
    const next = slot.queue.then(() => this.#change(name, plan));
    slot.queue = next.catch(() => undefined);
    return next;
  }

  async #change(name: string, plan: () => ConfigChange): Promise<PluginConfig> {
    const { store, control } = this.#options;
    const change = plan();
    await this.#options.persist?.(name, change.overrides);
    const before = { plugin: name, previous: change.config, config: change.previous, overrides: store.overrides(name) };
    const wasEnabled = isEnabled(change.previous);
    const willEnable = isEnabled(change.config);
    const running = control.runner(name) !== undefined;
    if (running && !willEnable) control.checkStop(name);
    this.#apply(change);
    if (running && !willEnable) {
      await control.stop(name);
    } else if (!running && !wasEnabled && willEnable) {
      try {
        await control.start(name);
      } catch (error) {
        this.#apply(before);
        throw error;
      }
    } else if (running) {
      if (intervalOf(change.previous) !== intervalOf(change.config)) this.#schedule(name);
      await this.#notify(name, change.config);
    }
    this.#options.changed(name, copyConfig(change.config));
    return copyConfig(change.config);
  }

  #apply(change: ConfigChange): void {
    const { store, logs, defaultLevel } = this.#options;
    store.apply(change);
    const slot = this.#plugins.get(change.plugin);
    if (slot !== undefined) syncExtismConfig(slot.extism, change.config);
    const level = levelFromConfig(change.config, defaultLevel);
    if (level !== levelFromConfig(change.previous, defaultLevel)) logs.setLevel(change.plugin, level);
  }

  /** Calls `on_config_change` with the new config; a failure goes into the plugin's log. */
  async #notify(name: string, config: Readonly<Record<string, unknown>>): Promise<void> {
    const runner = this.#options.control.runner(name);
    if (runner === undefined || !runner.exports.has("on_config_change")) return;
    try {
      await runner.callBytes("on_config_change", JSON.stringify(config));
    } catch (error) {
      this.#options.logs.append(name, "error", `on_config_change failed: ${messageOf(error)}`, undefined, "engine");
    }
  }

  #schedule(name: string): void {
    const slot = this.#plugins.get(name);
    if (slot === undefined) return;
    const interval = intervalOf(this.#options.store.get(name));
    const runner = this.#options.control.runner(name);
    if (interval === undefined || runner === undefined || !runner.exports.has("on_tick")) slot.ticks.stop();
    else slot.ticks.start(interval);
  }

  /** Calls an export of the running instance through its queue (nothing when it is not running). */
  #call(name: string, exportName: string, input: string): Promise<unknown> {
    const runner = this.#options.control.runner(name);
    return runner === undefined ? Promise.resolve() : runner.callBytes(exportName, input);
  }

  #slot(name: string): PluginSlot {
    const slot = this.#plugins.get(name);
    if (slot === undefined) throw new Error(`[threadspace] internal: no config slot for plugin ${name}`);
    return slot;
  }
}
