import type { ConfigStore } from "@threadspace/host";
import { copyEmbedderInput } from "@threadspace/host";
import { copyConfig, type ConfigRuntime, type PluginConfig } from "./config-runtime.ts";

/** `engine.config`: read and change plugins' config. */
export interface EngineConfig {
  /** The plugin's merged config: plugin.json `config` with the overrides laid over it (a fresh copy). */
  get(name: string): PluginConfig;
  /** The overrides alone (a fresh copy). */
  overrides(name: string): PluginConfig;
  /**
   * Changes overrides and resolves with the new merged config. `overrides` is applied to the
   * current overrides as a JSON Merge Patch: objects merge key by key, `null` removes an override
   * (the default shows again), anything else replaces. The result is validated (JSON only, the
   * guide's keys, the plugin's `configSchema`); a bad one rejects with `config_invalid` naming
   * each problem's path, and nothing changes. Then: `enabled: false` stops the plugin (running
   * `cleanup`; refused with `dependency_in_use` while loaded plugins depend on it), `enabled:
   * true` starts a disabled one, `log_level` sets its level, `interval` reschedules `on_tick`; a
   * running plugin's `on_config_change` gets the new config through its call queue (a failure
   * is written to its log, not thrown); `config.changed` is published. Changes to one plugin
   * apply one at a time, in order.
   *
   * @example
   * await engine.config.set("hello", { greeting: "Hi", features: { beta: true } });
   * await engine.config.set("hello", { greeting: null }); // back to plugin.json's greeting
   */
  set(name: string, overrides: PluginConfig): Promise<PluginConfig>;
  /** Drops every override (as `set` does, including `enabled` and `on_config_change`). */
  reset(name: string): Promise<PluginConfig>;
}

/** Builds `engine.config`; `check` throws `plugin_not_found` for an unknown plugin. */
export function engineConfig(store: ConfigStore, runtime: ConfigRuntime, check: (name: string) => void): EngineConfig {
  const guarded = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    try {
      check(name);
    } catch (error) {
      return Promise.reject(error);
    }
    return work();
  };
  return {
    get: (name) => (check(name), copyConfig(store.get(name))),
    overrides: (name) => (check(name), copyConfig(store.overrides(name))),
    // Copied and checked once, here: a Proxy, a throwing getter or a million keys is bad_input, not later trouble.
    set: (name, overrides) =>
      guarded(name, () => {
        let copied: PluginConfig;
        try {
          copied = copyEmbedderInput(overrides, `config.set("${name}")`);
        } catch (error) {
          return Promise.reject(error);
        }
        return runtime.set(name, copied);
      }),
    reset: (name) => guarded(name, () => runtime.reset(name)),
  };
}
