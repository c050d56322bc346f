import type { Host } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";
import { splitKey, typedStore, type StoredBundleRecord, type EntryRow, type QuotaLedger, type StorageDriver } from "@threadspace/storage";
import type { EventLog } from "../events/event-log.ts";
import type { HealthHistory, HealthMonitor } from "../lifecycle/monitor.ts";

/** What the engine keeps about installed plugins, as loaded from storage. */
export interface StoredPlugins {
  /** Installed bundles by plugin name, in key order, as stored (any record version: see `upgradeBundleRecord`). */
  readonly bundles: ReadonlyMap<string, StoredBundleRecord>;
  /** Grants by wasm sha256. */
  readonly grants: ReadonlyMap<string, { readonly permissions: readonly PermissionName[]; readonly explicit?: boolean }>;
  /** Config overrides by plugin name. */
  readonly config: ReadonlyMap<string, Record<string, unknown>>;
}

/** Where the engine's observations go: the plugins' health histories and the event log. */
export interface ObservedState {
  readonly monitor: HealthMonitor;
  readonly events: EventLog;
}

/**
 * Loads everything stored into the host's state (memories, threads and entries, kv), the quota
 * ledger, the health histories and the event log, and returns the installed plugins' records
 * (with whether each was unloaded: `enabled: false`) for the engine to start again.
 */
export async function restoreState(driver: StorageDriver, host: Host, ledger: QuotaLedger, observed?: ObservedState): Promise<StoredPlugins> {
  const [memories, threads, entries, kv, bundles, grants, config, health, events] = await Promise.all([
    typedStore(driver, "memories").scan(),
    typedStore(driver, "threads").scan(),
    typedStore(driver, "entries").scan(),
    driver.scan("kv"),
    typedStore(driver, "bundles").scan(),
    typedStore(driver, "grants").scan(),
    typedStore(driver, "config").scan(),
    observed === undefined ? [] : typedStore(driver, "health").scan(),
    observed === undefined ? [] : typedStore(driver, "events").scan(),
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
  observed?.monitor.restoreHistory(health.map((entry) => [entry.key, entry.value as HealthHistory] as const));
  observed?.events.restore(events.map((entry) => entry.value));
  return {
    bundles: new Map(bundles.map((entry) => [entry.key, entry.value])),
    grants: new Map(grants.map((entry) => [entry.key, { permissions: entry.value.permissions as readonly PermissionName[], ...(entry.value.explicit === undefined ? {} : { explicit: entry.value.explicit }) }])),
    config: new Map(config.map((entry) => [entry.key, { ...entry.value.overrides }])),
  };
}
