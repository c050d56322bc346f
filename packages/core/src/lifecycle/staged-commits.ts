import type { CallTransaction, Host } from "@threadspace/host";
import type { CallTransactions } from "../calls/plugin-runner.ts";

/**
 * The transactions of a starting plugin: what its lifecycle calls (`init_plugin`, `get_metadata`,
 * the `cleanup` of a start that failed) write is held until the start is complete, then committed
 * in order ({@link release}); a start that fails drops it all ({@link discard}). So a plugin that
 * migrates its data in `init_plugin` and then fails to start (its metadata does not match, it
 * reports failure) leaves the data as it found it, and the events it emitted are never delivered.
 * Once released, every call commits at once, as through the host directly.
 */
export class StagedCommits implements CallTransactions {
  readonly #host: Host;
  readonly #plugin: string;
  /** Held transactions, oldest first; undefined once released or discarded. */
  #held: CallTransaction[] | undefined = [];

  constructor(host: Host, plugin: string) {
    this.#host = host;
    this.#plugin = plugin;
  }

  begin(): CallTransaction {
    return this.#host.begin(this.#plugin);
  }

  commit(tx: CallTransaction): Promise<void> | undefined {
    if (this.#held === undefined) return this.#host.commit(tx);
    this.#held.push(tx);
    return undefined;
  }

  /** True while writes are held (the start is not complete). */
  get staging(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Commits the held transactions in order and lets later ones through. When one cannot be
   * committed (`quota_exceeded`, storage failing) it and the rest are dropped and the error thrown:
   * the start then fails.
   */
  async release(): Promise<void> {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (let i = 0; i < held.length; i++) {
      const tx = held[i] as CallTransaction;
      try {
        await this.#host.commit(tx);
      } catch (error) {
        for (const rest of held.slice(i)) rest.abort();
        throw error;
      }
    }
  }

  /** Drops every held transaction; calls after this commit at once (none should come: the start failed). */
  discard(): void {
    for (const tx of this.#held ?? []) tx.abort();
    this.#held = undefined;
  }
}
