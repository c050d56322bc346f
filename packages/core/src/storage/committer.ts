import type { CallTransaction } from "@threadspace/host";
import { messageOf } from "@threadspace/errors";
import { QuotaLedger, typedStore, type QuotaOptions, type StorageDriver, type StorageWrite } from "@threadspace/storage";
import type { EngineLogger } from "../engine-options.ts";

const HAND_OVER = { handOver: true } as const;

/**
 * One per engine with storage: commits each plugin call's writes to the driver in one
 * `commit` (all-or-nothing; the file driver groups concurrent commits into one fsync), and
 * only then applies them in memory and runs their after-commit actions (event delivery).
 * A quota failure fails only that call (`quota_exceeded`, nothing written); a driver failure
 * aborts the call's transaction and rejects with the driver's error.
 */
export class Committer {
  readonly driver: StorageDriver;
  readonly ledger: QuotaLedger;
  readonly #logger: EngineLogger;
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Bundle flag rewrites, one after another (each reads the stored record first). */
  #bundleFlags: Promise<unknown> = Promise.resolve();

  constructor(driver: StorageDriver, quota: QuotaOptions, logger: EngineLogger) {
    this.driver = driver;
    this.ledger = new QuotaLedger(quota);
    this.#logger = logger;
  }

  /**
   * Commits a call's transaction: `undefined` when it was applied synchronously (nothing to
   * store), else a promise that settles once the writes are stored and applied (or rejects,
   * with the transaction aborted).
   */
  readonly commitCall = (tx: CallTransaction): Promise<void> | undefined => {
    const { writes, apply } = tx.prepare();
    if (writes.length === 0) {
      apply();
      return undefined;
    }
    let plan;
    try {
      plan = this.ledger.plan(writes);
    } catch (error) {
      tx.abort();
      return Promise.reject(error);
    }
    // A call's rows are built fresh by prepare() and nothing changes them: handed over, the
    // driver skips its defensive copy. (The embedder's durable writes may hold its own objects.)
    const done = this.driver.commit(writes, tx.actor === "host" ? undefined : HAND_OVER).then(
      () => {
        plan.apply();
        apply();
      },
      (error: unknown) => {
        plan.cancel();
        tx.abort();
        throw error;
      },
    );
    return this.#track(done);
  };

  /** Stores writes already applied in memory (the embedder's, write-behind); failures are logged. */
  background(writes: readonly StorageWrite[], actor: string): void {
    void this.behind(writes, actor);
  }

  /**
   * Stores writes already applied in memory and returns a promise that settles once they are
   * stored, for callers that want to know. A failure is logged as well, so one nobody awaits is
   * not lost (and the promise never counts as unhandled).
   */
  behind(writes: readonly StorageWrite[], actor: string): Promise<void> {
    const stored = this.#track(this.commit(writes));
    stored.catch((error: unknown) => this.#logger.error(`[threadspace] storing a write of ${actor} failed; it is in memory only: ${messageOf(error)}`));
    return stored;
  }

  /** Stores engine records (bundles, grants, config) and waits for them. */
  commit(writes: readonly StorageWrite[]): Promise<void> {
    let plan;
    try {
      plan = this.ledger.plan(writes);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.driver.commit(writes).then(
      () => plan.apply(),
      (error: unknown) => {
        plan.cancel();
        throw error;
      },
    );
  }

  /**
   * Rewrites a stored bundle's `enabled` flag (false after `unload`: restored installed but not
   * started). Nothing happens when no bundle is stored (e.g. one installed from a precompiled module).
   */
  setBundleEnabled(name: string, enabled: boolean): Promise<void> {
    const task = this.#bundleFlags.then(async () => {
      const bundles = typedStore(this.driver, "bundles");
      const record = await bundles.get(name);
      if (record === undefined || record.enabled === enabled) return;
      await this.commit([bundles.put(name, { ...record, enabled })]);
    });
    this.#bundleFlags = task.catch(() => undefined);
    return this.#track(task);
  }

  /** Waits for every commit in flight (failures were reported where they happened). */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const drop = () => void this.#inFlight.delete(promise);
    promise.then(drop, drop);
    return promise;
  }
}
