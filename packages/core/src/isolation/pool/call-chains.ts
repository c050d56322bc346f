/**
 * Which plugin each running pooled call serves (its `ts_plugin_call` caller), across an engine's
 * pools: a pool worker refuses a call that its own running call is waiting for, directly or
 * through other pooled plugins (A → C → B with A and B in one worker), instead of letting it wait
 * for itself until A's deadline.
 */
export class CallChains {
  readonly #callerOf = new Map<string, string>();

  /** `plugin`'s call started running on behalf of `caller` (undefined: the embedder's or the engine's call). */
  running(plugin: string, caller: string | undefined): void {
    if (caller === undefined) this.#callerOf.delete(plugin);
    else this.#callerOf.set(plugin, caller);
  }

  /** `plugin`'s call ended. */
  done(plugin: string): void {
    this.#callerOf.delete(plugin);
  }

  /** True when a call made by `caller` was led to by a call of `plugin` (or `caller` is `plugin`). */
  leadsTo(caller: string | undefined, plugin: string): boolean {
    const seen = new Set<string>();
    for (let at = caller; at !== undefined && !seen.has(at); at = this.#callerOf.get(at)) {
      if (at === plugin) return true;
      seen.add(at);
    }
    return false;
  }
}
