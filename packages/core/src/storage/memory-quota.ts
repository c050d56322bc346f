import type { CallTransaction, HostPersistence } from "@threadspace/host";
import { QuotaLedger } from "@threadspace/storage";

/**
 * `limits.storageBytes` for an engine without a storage driver (everything in memory): each
 * plugin call's writes are checked against the plugin's quota before they apply, as the
 * `Committer` does with a driver (a call over it fails with `quota_exceeded`, nothing applied),
 * and the embedder's writes are counted. Synchronous: no driver to wait for.
 */
export class MemoryQuota {
  readonly ledger: QuotaLedger;

  constructor(limitOf: (plugin: string) => number | undefined) {
    this.ledger = new QuotaLedger({ limitOf });
  }

  /** The host's persistence (given to `Host` when it is built): calls and durable embedder writes are checked, write-behind is counted. */
  readonly persistence: HostPersistence = {
    commit: (tx) => this.commitCall(tx),
    behind: (writes) => this.ledger.plan(writes, { check: false }).apply(),
  };

  /** Checks a call's writes against the quota and applies them; throws `quota_exceeded` (the caller aborts the transaction). */
  readonly commitCall = (tx: CallTransaction): undefined => {
    const { writes, apply } = tx.prepare();
    if (writes.length > 0) this.ledger.plan(writes).apply();
    apply();
    return undefined;
  };
}
