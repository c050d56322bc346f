/**
 * The string → string config Extism's `config_get` kernel function reads. It has no prototype,
 * so a plugin asking for `toString` or `__proto__` gets nothing rather than an inherited member.
 */
export type ExtismConfig = Record<string, string>;

/** A fresh {@link ExtismConfig} holding `config`. */
export function createExtismConfig(config: Readonly<Record<string, unknown>>): ExtismConfig {
  const target = Object.create(null) as ExtismConfig;
  syncExtismConfig(target, config);
  return target;
}

/**
 * Makes `target` hold `config`, in place: strings stay, other values become JSON text. Extism's
 * in-thread plugins keep the object they were given and read it on every `config_get`, so the
 * change is seen by the next `config_get`. (A plugin run in a worker gets a copy at start.)
 */
export function syncExtismConfig(target: ExtismConfig, config: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(target)) delete target[key];
  for (const key of Object.keys(config)) {
    const value = config[key];
    Object.defineProperty(target, key, { value: typeof value === "string" ? value : JSON.stringify(value), enumerable: true, writable: true, configurable: true });
  }
}
