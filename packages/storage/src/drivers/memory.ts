import { closedError } from "../errors.ts";
import { KeyedTable } from "../table.ts";
import { DELETE, STORE_NAMES, type StorageDriver, type StorageEntry, type StorageValue, type StoreName } from "../types.ts";
import { checkBatch, checkScan, checkTarget, copyValue, entrySize } from "../value.ts";

/**
 * The default driver: everything in memory, gone when the process or page ends. Values are
 * validated and deep-copied on the way in and on the way out (like `structuredClone`, but only
 * for storage values), so neither the caller nor a reader can change what is stored.
 *
 * @example
 * const storage = memoryStorage();
 * await storage.commit([{ store: "kv", key: key("hello", "n"), value: 1 }]);
 */
export function memoryStorage(): StorageDriver {
  const tables = new Map<StoreName, KeyedTable<StorageValue>>(STORE_NAMES.map((name) => [name, new KeyedTable<StorageValue>()]));
  let closed = false;
  const table = (store: StoreName): KeyedTable<StorageValue> => {
    if (closed) throw closedError("memory");
    return tables.get(store) as KeyedTable<StorageValue>;
  };

  return {
    name: "memory",
    async get(store, key) {
      checkTarget(store, key);
      const value = table(store).get(key);
      return value === undefined ? undefined : copyValue(value);
    },
    async scan(store, options) {
      checkScan(store, options);
      const out: StorageEntry[] = [];
      for (const [key, value] of table(store).scan(options)) out.push({ key, value: copyValue(value) });
      return out;
    },
    async commit(batch) {
      if (closed) throw closedError("memory");
      const writes = checkBatch(batch, true);
      for (const write of writes) {
        const target = table(write.store);
        if (write.value === DELETE) target.delete(write.key);
        else target.set(write.key, write.value);
      }
    },
    async clear(store) {
      if (store !== undefined) checkTarget(store, "");
      for (const name of store === undefined ? STORE_NAMES : [store]) table(name).clear();
    },
    async usage(store, prefix = "") {
      checkScan(store, { prefix });
      let total = 0;
      for (const [key, value] of table(store).scan({ prefix })) total += entrySize(key, value);
      return total;
    },
    async close() {
      closed = true;
    },
  };
}
