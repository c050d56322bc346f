import type { CallChains } from "../calls/call-chains.ts";
import type { EngineIsolationOptions } from "./isolation-policy.ts";
import type { EnginePools } from "./pool/engine-pools.ts";
import type { PoolPlacement } from "./pool/pool-options.ts";
import type { PoolSlots } from "./pool/worker-pool.ts";

/**
 * An engine's worker pools (`limits.isolation: "pool"`) whose code — the pools, the bridge
 * channel, the worker spawn — is loaded by a dynamic `import()` the first time a plugin asks for
 * a pool, so an app that runs only inline plugins never loads it. A failed load is not
 * remembered: the next pooled plugin tries again.
 */
export class LazyPools {
  readonly #options: EngineIsolationOptions | undefined;
  readonly #chains: CallChains;
  readonly #slots: PoolSlots | undefined;
  #pools: Promise<EnginePools> | undefined;
  #loaded: EnginePools | undefined;

  /** The engine's isolation options, its wait chains and worker cap, as `enginePools` takes them. */
  constructor(options: EngineIsolationOptions | undefined, chains: CallChains, slots?: PoolSlots) {
    this.#options = options;
    this.#chains = chains;
    this.#slots = slots;
  }

  /** The engine's pools, loading their code the first time. */
  load(): Promise<EnginePools> {
    if (this.#pools !== undefined) return this.#pools;
    const loading = import("./pool/engine-pools.ts").then(({ enginePools }) => (this.#loaded = enginePools(this.#options, this.#chains, this.#slots)));
    this.#pools = loading;
    loading.catch(() => {
      if (this.#pools === loading) this.#pools = undefined;
    });
    return loading;
  }

  /** Where a pooled plugin runs (EnginePools.placementOf); undefined while no plugin has used a pool. */
  placementOf(plugin: string): Partial<PoolPlacement> | undefined {
    return this.#loaded?.placementOf(plugin);
  }

  /** Forgets which pool an uninstalled plugin joined (EnginePools.forget); nothing to forget while no plugin has used a pool. */
  forget(plugin: string): void {
    this.#loaded?.forget(plugin);
  }

  /** Terminates every pool's workers; nothing to do (and nothing loaded) when no plugin used a pool. */
  async close(): Promise<void> {
    const pools = await this.#pools?.catch(() => undefined);
    await pools?.close();
  }
}
