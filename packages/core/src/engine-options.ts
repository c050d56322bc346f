/** Log levels of the engine and of plugins (Extism's names). */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

/** Where the engine and plugins write logs; `console` fits. */
export interface EngineLogger {
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

import type { GrantPolicy } from "./permissions/grant-policy.ts";
import type { StorageDriver } from "@threadspace/storage";
import type { HostLimitsPolicy } from "./limits/index.ts";
import type { MeteringOptions } from "./fuel/metering-policy.ts";
import type { EngineRecordOption } from "./replay/trace-store.ts";
import type { EngineIsolationOptions } from "./isolation/isolation-policy.ts";
import type { HealthOptions } from "./lifecycle/monitor.ts";
import type { TrustOptions } from "./install/trust.ts";
import type { EngineHttpOptions } from "./http/http-options.ts";
import type { EngineWasiOptions } from "./wasi/wasi-options.ts";

/**
 * Options of `createEngine`; all optional. Health monitoring ({@link HealthOptions}):
 * `healthCheckIntervalMs` (default 0: no polling), `healthCheckTimeoutMs` (default 5000),
 * `circuitBreaker` (default `{ failures: 5, retryAfterMs: 30_000 }`; `false` turns it off).
 */
export interface EngineOptions extends HealthOptions, TrustOptions {
  /**
   * Which of the permissions a plugin requests it gets at install (default `false`: none; grant
   * later with `engine.permissions.grant`). See {@link GrantPolicy}.
   */
  readonly grant?: GrantPolicy;
  /** Largest JSON request a plugin may pass to one host function, in bytes. Default 1 MiB. */
  readonly maxRequestBytes?: number;
  /**
   * Receives every entry kept in a plugin's log (prefixed `[plugin <name>]`; see `engine.logs`)
   * and engine warnings. Default: `console`.
   */
  readonly logger?: EngineLogger;
  /** Level for plugins whose config has no `log_level`. Default `"warn"`. */
  readonly logLevel?: LogLevel;
  /**
   * The host's limits policy: each plugin's `limits` are capped by these values; `defaults`
   * apply where plugin.json says nothing (see `limits/limits-policy.ts` for the built-in ones).
   */
  readonly limits?: HostLimitsPolicy;
  /**
   * Fuel metering (docs/metering.md): every module installed from bytes is metered, so fuel
   * budgets and `timeoutMs` hold on any thread. `unmetered` decides about precompiled modules
   * (workerd) that were not metered at build time (`threadspace cap --fuel`).
   */
  readonly metering?: MeteringOptions;
  /**
   * Worker isolation: what to do where workers are unavailable (`whenWorkerUnavailable`,
   * default `"fail"`), reset cadence. Which plugins run in a worker is `limits.isolation`.
   */
  readonly isolation?: EngineIsolationOptions;
  /** Largest wasm accepted at install, in bytes. Default 64 MiB. */
  readonly maxWasmBytes?: number;
  /** Log entries kept per plugin (`engine.logs`); the oldest go first. Default 1000. */
  readonly logBufferSize?: number;
  /** Most events that may wait for one plugin's `on_event`; more are dropped and counted. Default 1000. */
  readonly eventQueueSize?: number;
  /** Events the event log keeps (`engine.events.recent`; stored with `storage`); 0 turns it off. Default 256. */
  readonly eventLogSize?: number;
  /**
   * Recording calls (docs/replay.md): `"errors"` records every call and keeps the traces of those
   * that fail (`engine.traces(name)`); an object also sets how many are kept per plugin (`keep`),
   * a trace's size cap (`maxBytes`) and a `redact` hook run on every trace before it leaves the
   * engine. Default `"off"`: only calls with `{ record: true }` are recorded.
   */
  readonly record?: EngineRecordOption;
  /**
   * With `storage`: how long after a change the health histories and the event log are stored,
   * in ms (all changes of that time in one commit, off the calls' path; `close()` stores the
   * rest). Default 2000.
   */
  readonly journalDelayMs?: number;
  /**
   * Where the engine keeps its state (`memoryStorage()`, `indexedDbStorage({ name })`,
   * `fileStorage({ dir })`): each plugin call's writes (kv, memories, threads) are committed in
   * one transaction before the call resolves; installed plugins, grants and config overrides are
   * recorded; `createEngine` loads it all and starts the installed plugins again. A plugin
   * installed from a precompiled `WebAssembly.Module` is not stored (nor its grants, keyed by the
   * wasm's sha256): install it again after a restart; its data, health history and the config
   * `engine.config.set` stored for it come back. The engine owns
   * the driver: `engine.close()` closes it. Without it, state lives in memory only.
   */
  readonly storage?: StorageDriver;
  /**
   * Most calls that may wait for one plugin behind the call it is running; one more is refused at
   * once with `busy` (the plugin's lifecycle calls and `health_check` are not bounded). Default 1000.
   */
  readonly maxQueuedCalls?: number;
  /**
   * Plugins' HTTP requests (Extism's `http_request`, for plugins granted `http` and listing
   * `allowedHosts`): the outbound hook, the embedder's narrowing of hosts, and the caps. See
   * {@link EngineHttpOptions} and docs/compat.md.
   */
  readonly http?: EngineHttpOptions;
  /** WASI output into plugins' logs, and read-only mounts (Node): {@link EngineWasiOptions}, docs/compat.md. */
  readonly wasi?: EngineWasiOptions;
  /**
   * Debug mode for plugin authors: check every call's output against its export's output schema
   * (plugin.json `exports`); a mismatch fails the call with `output_invalid` and discards its
   * writes. Inputs are always checked. Default false (docs/exports.md).
   */
  readonly checkOutputs?: boolean;
}

/** Options of `engine.install`. */
export interface InstallOptions {
  /** Permissions for this plugin, overriding the engine's policy (only requested ones are granted). */
  readonly grant?: GrantPolicy;
  /**
   * When a plugin of that name is installed already (start-up scripts that install every time):
   * - `"fail"` (default): `already_installed`;
   * - `"keep"`: keep the installed one and return its info (nothing is read again beyond the source);
   * - `"upgrade"`: keep it when its wasm and version are the same, else replace it with this one,
   *   with the config overrides the old one had (unless `config` is given) and its data
   *   (`data: "inherit"` unless given). All or nothing: a new build that fails its checks is
   *   refused before the old one stops; one that fails to start (instantiation, `init_plugin`,
   *   `get_metadata`) is refused and the old one is put back as it was (grants, config, data,
   *   subscriptions, loaded or not), nothing the new build wrote kept. The error has the new
   *   build's code and says which version serves. Calls made meanwhile wait and run on the build
   *   that serves after it.
   */
  readonly ifInstalled?: "fail" | "keep" | "upgrade";
  /**
   * Config overrides for this plugin, laid over plugin.json `config` and validated like
   * `engine.config.set` (a bad one fails the install with `config_invalid`). `{ enabled: false }`
   * installs it without starting it. A module installed again after a restart gets the overrides
   * `engine.config.set` stored for it instead, when there are some.
   */
  readonly config?: Record<string, unknown>;
  /**
   * Data kept under this name by a different plugin (another wasm, or another signer; see
   * `engine.data`): `"inherit"` hands it to this plugin, `"discard"` removes it first. Without
   * it such an install fails with `data_conflict` and nothing changes. The same plugin (same
   * wasm sha256, or a `.tsp` by the same signer) always gets its own data back.
   */
  readonly data?: "inherit" | "discard";
}

/** Options of `engine.unload` and `engine.uninstall`. */
export interface UnloadOptions {
  /** Unload the plugins that depend on this one first, instead of refusing. */
  readonly cascade?: boolean;
}

/** Options of `engine.uninstall`. */
export interface UninstallOptions extends UnloadOptions {
  /**
   * `true` (default): keep the plugin's data (kv; with a storage driver also the memories and
   * threads it wrote), bound to this plugin: installed again it gets it back, a different plugin
   * under the name does not (unless installed with `{ data: "inherit" }`). `false`: remove it.
   */
  readonly keepData?: boolean;
}

/** Defaults of {@link EngineOptions}. */
export const DEFAULT_MAX_WASM_BYTES = 64 * 1024 * 1024;

const GUIDE_LEVELS: Record<string, LogLevel> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  critical: "error",
};

/** Maps the guide's `config.log_level` ("INFO", "WARNING", "CRITICAL", ...) to an Extism level. */
export function levelFromConfig(config: Record<string, unknown>, fallback: LogLevel): LogLevel {
  const value = config["log_level"];
  return typeof value === "string" ? (GUIDE_LEVELS[value.toLowerCase()] ?? fallback) : fallback;
}
