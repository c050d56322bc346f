import { ThreadspaceError, type ThreadspaceIssue } from "@threadspace/errors";
import { compileConfigSchema, guideIssues, type ConfigCheck } from "./config-validation.ts";
import { cloneJson, deepFreeze, isPlainObject, jsonIssues, mergePatch, overlay, type JsonObject } from "./json-value.ts";

/** Largest merged config, as JSON text (256 KiB). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** A validated config change, not applied yet ({@link ConfigStore.plan}, then {@link ConfigStore.apply}). */
export interface ConfigChange {
  readonly plugin: string;
  /** The merged config before the change (frozen). */
  readonly previous: Readonly<JsonObject>;
  /** The merged config after it (frozen). */
  readonly config: Readonly<JsonObject>;
  /** The overrides after it (frozen). */
  readonly overrides: Readonly<JsonObject>;
}

interface Entry {
  readonly defaults: Readonly<JsonObject>;
  readonly check: ConfigCheck | undefined;
  overrides: Readonly<JsonObject>;
  merged: Readonly<JsonObject>;
}

const EMPTY: Readonly<JsonObject> = Object.freeze({});

/**
 * Each plugin's config: plugin.json `config` defaults with the embedder's overrides laid on top
 * (objects merge key by key). Every merged config is checked (JSON only, the guide's keys, the
 * plugin's `configSchema`) before it is kept; the kept one is frozen, so readers share it.
 */
export class ConfigStore {
  readonly #entries = new Map<string, Entry>();

  /**
   * Registers a plugin's defaults, schema and initial overrides. Throws `config_invalid` (naming
   * each problem with its path) when the merged config does not pass the checks.
   */
  register(plugin: string, defaults: JsonObject, schema?: JsonObject, overrides: JsonObject = {}): Readonly<JsonObject> {
    const check = schema === undefined ? undefined : compileConfigSchema(schema);
    const entry: Entry = { defaults: deepFreeze(cloneJson(defaults)), check, overrides: EMPTY, merged: EMPTY };
    const { merged, overrides: kept } = this.#build(plugin, entry, overrides, "the config");
    entry.overrides = kept;
    entry.merged = merged;
    this.#entries.set(plugin, entry);
    return merged;
  }

  /** Forgets a plugin's config (uninstall). */
  forget(plugin: string): void {
    this.#entries.delete(plugin);
  }

  /** The plugin's merged config (frozen; `{}` for an unknown plugin). */
  get(plugin: string): Readonly<JsonObject> {
    return this.#entries.get(plugin)?.merged ?? EMPTY;
  }

  /** The plugin's overrides (frozen). */
  overrides(plugin: string): Readonly<JsonObject> {
    return this.#entries.get(plugin)?.overrides ?? EMPTY;
  }

  /**
   * Validates a change without applying it: `patch` is applied to the current overrides as a
   * JSON Merge Patch (RFC 7396: objects merge, `null` removes an override). Throws `config_invalid`.
   */
  plan(plugin: string, patch: unknown): ConfigChange {
    const entry = this.#entry(plugin);
    if (!isPlainObject(patch)) throw invalid(plugin, "the config overrides", [{ path: "$", message: "must be an object, e.g. { enabled: false }" }]);
    const shape = jsonIssues(patch);
    if (shape.length > 0) throw invalid(plugin, "the config overrides", shape);
    const { merged, overrides } = this.#build(plugin, entry, mergePatch(entry.overrides, patch) as JsonObject, "the config overrides");
    return { plugin, previous: entry.merged, config: merged, overrides };
  }

  /** A change back to the defaults (no overrides). */
  planReset(plugin: string): ConfigChange {
    const entry = this.#entry(plugin);
    const { merged, overrides } = this.#build(plugin, entry, {}, "the config defaults");
    return { plugin, previous: entry.merged, config: merged, overrides };
  }

  /** Applies a planned change (a no-op when the plugin was forgotten meanwhile). */
  apply(change: ConfigChange): void {
    const entry = this.#entries.get(change.plugin);
    if (entry === undefined) return;
    entry.overrides = change.overrides;
    entry.merged = change.config;
  }

  #entry(plugin: string): Entry {
    const entry = this.#entries.get(plugin);
    if (entry === undefined) throw new ThreadspaceError("plugin_not_found", `has no config: it is not installed.`, { plugin });
    return entry;
  }

  #build(plugin: string, entry: Entry, overrides: JsonObject, what: string): { merged: Readonly<JsonObject>; overrides: Readonly<JsonObject> } {
    const shape = jsonIssues(overrides);
    if (shape.length > 0) throw invalid(plugin, what, shape);
    const merged = overlay(entry.defaults, overrides) as JsonObject;
    const size = JSON.stringify(merged).length;
    if (size > MAX_CONFIG_BYTES) throw invalid(plugin, what, [{ path: "$", message: `the merged config is ${size} characters of JSON; at most ${MAX_CONFIG_BYTES} are allowed` }]);
    const issues = [...guideIssues(merged), ...(entry.check?.(merged) ?? [])];
    if (issues.length > 0) throw invalid(plugin, what, issues);
    return { merged: deepFreeze(merged), overrides: deepFreeze(cloneJson(overrides)) };
  }
}

function invalid(plugin: string, what: string, issues: readonly ThreadspaceIssue[]): ThreadspaceError {
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return new ThreadspaceError("config_invalid", `${what} failed validation (${count}), so the config was not changed: ${list}.`, { plugin, issues });
}
