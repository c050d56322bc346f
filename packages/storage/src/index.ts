export type { CommitOptions, ScanOptions, StorageDriver, StorageEntry, StorageValue, StorageWrite, StoreName } from "./types.ts";
export { DELETE, STORE_NAMES } from "./types.ts";
export { memoryStorage } from "./drivers/memory.ts";
// The IndexedDB driver's internals (its schema, migrations, marker key, error mapping) stay private.
export { indexedDbStorage, deleteIndexedDbStorage } from "./drivers/indexeddb.ts";
export type { IndexedDbDamage, IndexedDbStorageDriver, IndexedDbStorageOptions } from "./drivers/indexeddb.ts";
export { key, keyPrefix, splitKey, seqKey, parseSeq, prefixEnd } from "./keys.ts";
export { byteSize, entrySize, checkValue, copyValue, storableProblem, isWellFormed } from "./value.ts";
export { QuotaLedger, commitWithQuota, defaultOwnerOf, DEFAULT_QUOTA_BYTES, QUOTA_STORES } from "./quota.ts";
export type { OwnerOf, QuotaOptions, QuotaPlan } from "./quota.ts";
export { typedStore, WriteBatch, appendBounded, upgradeBundleRecord, BUNDLE_RECORD_VERSION } from "./records.ts";
export type { BundleRecord, BundleRecordV1, PackedRecord, StoredBundleRecord, ConfigRecord, EntryRow, EventRow, GrantRecord, HealthRow, MemoryRow, OwnerRecord, StoreRecords, ThreadRow } from "./records.ts";
