import type { PluginManifest } from "@threadspace/manifest";
import { DEFAULT_MAX_REQUEST_BYTES } from "./abi/codec.ts";
import { builtInApis } from "./apis/built-in-apis.ts";
import { toHostApi, type CustomHostApi } from "./custom-api.ts";
import { buildHostFunctions, importName, type ExtismHostFunction, type HostFunctionOptions } from "./host-functions.ts";
import { HostFailure, type HostApi } from "./host-types.ts";
import { tapHostFunctions } from "./host-tap.ts";
import { pluginApi, type PluginInvoker } from "./apis/plugin-api.ts";
import { PermissionTable } from "./permissions.ts";
import { HostState } from "./state/host-state.ts";
import { CallTransaction, type HostPersistence } from "./transaction.ts";

/** Options of {@link Host}. */
export interface HostOptions {
  /** Largest request a plugin may send to one host function, in bytes. Default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Serves `ts_plugin_call`; without it plugin calls reply `unsupported`. */
  readonly invokePlugin?: PluginInvoker;
  /** Runs before every host call of every plugin (see `HostFunctionOptions.beforeCall`): per-call limits. */
  readonly beforeCall?: HostFunctionOptions["beforeCall"];
  /** How committed writes are stored (the engine's storage driver or in-memory quota); absent: memory only. */
  readonly persistence?: HostPersistence;
}

/**
 * The host side of one engine: shared state, the permission table and the APIs plugins import.
 * The engine asks it for each plugin's import functions and for a transaction per call.
 */
export class Host {
  readonly state: HostState;
  readonly permissions = new PermissionTable();
  readonly #apis = new Map<string, HostApi>();
  readonly #maxRequestBytes: number;
  readonly #beforeCall: HostFunctionOptions["beforeCall"];
  /** {@link importNames}, built once per set of APIs. */
  #importNames: ReadonlySet<string> | undefined;

  constructor(options: HostOptions = {}) {
    this.state = new HostState(options.persistence);
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.#beforeCall = options.beforeCall;
    for (const api of builtInApis(this.state)) this.#apis.set(api.name, api);
    const invoke: PluginInvoker =
      options.invokePlugin ??
      (() => Promise.reject(new HostFailure("unsupported", "this host does not serve plugin calls")));
    this.#apis.set("plugin", pluginApi(invoke));
  }

  /** Adds an embedder API; plugins installed afterwards can import its functions. */
  defineHostApi(definition: CustomHostApi): void {
    const api = toHostApi(definition, new Set(this.#apis.keys()));
    this.#apis.set(api.name, api);
    this.#importNames = undefined;
  }

  /** Every import name the host serves (`ts_kv_get`, ...); the same set until an API is added. */
  importNames(): ReadonlySet<string> {
    if (this.#importNames !== undefined) return this.#importNames;
    const names = new Set<string>();
    for (const api of this.#apis.values()) for (const fn of Object.keys(api.functions)) names.add(importName(api.name, fn));
    this.#importNames = names;
    return names;
  }

  /** The `extism:host/user` functions one plugin imports (`imported`: their names). */
  functionsFor(manifest: PluginManifest, imported: ReadonlySet<string>, options: { inWorker?: boolean } = {}): Record<string, ExtismHostFunction> {
    const functionOptions = { maxRequestBytes: this.#maxRequestBytes, ...(options.inWorker === true ? { canSuspend: true } : {}), ...(this.#beforeCall === undefined ? {} : { beforeCall: this.#beforeCall }) };
    // Every function through the recording boundary (host-tap.ts): a call with a tap is recorded or replayed.
    return tapHostFunctions(buildHostFunctions(manifest.name, this.#apis.values(), this.permissions, functionOptions, imported));
  }

  /** A transaction for one call of `plugin`. */
  begin(plugin: string): CallTransaction {
    return new CallTransaction(plugin);
  }

  /**
   * Commits a call's transaction through the host's persistence: `undefined` when it applied
   * synchronously (nothing to store, or no persistence), else a promise that settles once it is
   * stored and applied (rejects with it aborted). Throws what a synchronous commit throws
   * (`quota_exceeded` in memory); the caller aborts the transaction then.
   */
  commit(tx: CallTransaction): Promise<void> | undefined {
    const commit = this.state.storage.commit;
    if (commit === undefined || tx.empty) {
      tx.commit();
      return undefined;
    }
    return commit(tx);
  }
}
