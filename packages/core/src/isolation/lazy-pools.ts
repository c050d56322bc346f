import type { EngineIsolationOptions } from "./isolation-policy.ts";
import type { EnginePools } from "./pool/engine-pools.ts";

/**
 * An engine's worker pools (`limits.isolation: "pool"`) whose code — the pools, the bridge
 * channel, the worker spawn — is loaded by a dynamic `import()` the first time a plugin asks for
 * a pool, so an app that runs only inline plugins never downloads it. A failed load is not
 * remembered: the next pooled plugin tries again.
 */
export class LazyPools {
  readonly #options: EngineIsolationOptions | undefined;
  #pools: Promise<EnginePools> | undefined;

  constructor(options?: EngineIsolationOptions) {
    this.#options = options;
  }

  /** The engine's pools, loading their code the first time. */
  load(): Promise<EnginePools> {
    if (this.#pools !== undefined) return this.#pools;
    const loading = import("./pool/engine-pools.ts").then(({ enginePools }) => enginePools(this.#options));
    this.#pools = loading;
    loading.catch(() => {
      if (this.#pools === loading) this.#pools = undefined;
    });
    return loading;
  }

  /** Terminates every pool's workers; nothing to do (and nothing loaded) when no plugin used a pool. */
  async close(): Promise<void> {
    const pools = await this.#pools?.catch(() => undefined);
    await pools?.close();
  }
}
