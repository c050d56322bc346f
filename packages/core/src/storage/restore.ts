import type { Host } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";
import { splitKey, typedStore, type BundleRecord, type EntryRow, type QuotaLedger, type StorageDriver } from "@threadspace/storage";

/** What the engine keeps about installed plugins, as loaded from storage. */
export interface StoredPlugins {
  /** Installed bundles by plugin name, in key order. */
  readonly bundles: ReadonlyMap<string, BundleRecord>;
  /** Grants by wasm sha256. */
  readonly grants: ReadonlyMap<string, readonly PermissionName[]>;
  /** Config overrides by plugin name. */
  readonly config: ReadonlyMap<string, Record<string, unknown>>;
}

/**
 * Loads everything stored into the host's state (memories, threads and entries, kv) and the
 * quota ledger, and returns the installed plugins' records for the engine to start again.
 */
export async function restoreState(driver: StorageDriver, host: Host, ledger: QuotaLedger): Promise<StoredPlugins> {
  const [memories, threads, entries, kv, bundles, grants, config] = await Promise.all([
    typedStore(driver, "memories").scan(),
    typedStore(driver, "threads").scan(),
    typedStore(driver, "entries").scan(),
    driver.scan("kv"),
    typedStore(driver, "bundles").scan(),
    typedStore(driver, "grants").scan(),
    typedStore(driver, "config").scan(),
  ]);
  for (const { key, value } of memories) ledger.track("memories", key, value);
  for (const { key, value } of threads) ledger.track("threads", key, value);
  for (const { key, value } of entries) ledger.track("entries", key, value);
  for (const { key, value } of kv) ledger.track("kv", key, value);

  const { state } = host;
  state.memories.restore(memories.map((entry) => entry.value));
  state.threads.restore(
    threads.map((entry) => entry.value),
    entries.map((entry): readonly [string, EntryRow] => [splitKey(entry.key)[0] ?? "", entry.value]),
  );
  state.kv.restore(
    kv.map((entry) => {
      const [plugin = "", name = ""] = splitKey(entry.key);
      return [plugin, name, entry.value] as const;
    }),
  );
  return {
    bundles: new Map(bundles.map((entry) => [entry.key, entry.value])),
    grants: new Map(grants.map((entry) => [entry.key, entry.value.permissions as readonly PermissionName[]])),
    config: new Map(config.map((entry) => [entry.key, { ...entry.value.overrides }])),
  };
}
