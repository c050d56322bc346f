/**
 * The string → string config Extism's `config_get` kernel function reads. It has no prototype,
 * so a plugin asking for `toString` or `__proto__` gets nothing rather than an inherited member.
 */
export type ExtismConfig = Record<string, string>;

/** How often each config object was synced (worker plugins fetch it again when this moves). */
const versions = new WeakMap<ExtismConfig, number>();

/** The number of times `target` was changed by {@link syncExtismConfig} (0 for a fresh one). */
export function extismConfigVersion(target: ExtismConfig): number {
  return versions.get(target) ?? 0;
}

/** A fresh {@link ExtismConfig} holding `config`. */
export function createExtismConfig(config: Readonly<Record<string, unknown>>): ExtismConfig {
  const target = Object.create(null) as ExtismConfig;
  syncExtismConfig(target, config);
  return target;
}

/**
 * Makes `target` hold `config`, in place: strings stay, other values become JSON text. Extism's
 * in-thread plugins keep the object they were given and read it on every `config_get`, so the
 * change is seen by the next `config_get`. A plugin in a worker holds a copy: the version this
 * bumps tells it to fetch the config again before its next call.
 */
export function syncExtismConfig(target: ExtismConfig, config: Readonly<Record<string, unknown>>): void {
  versions.set(target, extismConfigVersion(target) + 1);
  for (const key of Object.keys(target)) delete target[key];
  for (const key of Object.keys(config)) {
    const value = config[key];
    Object.defineProperty(target, key, { value: typeof value === "string" ? value : JSON.stringify(value), enumerable: true, writable: true, configurable: true });
  }
}
