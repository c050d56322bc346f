import type { StorageWrite } from "@threadspace/storage";

/** The record the bench plugin's ts_memory_put stores (a new id each time), for the raw contenders. */
export function memoryRow() {
  const now = Date.now();
  return { id: crypto.randomUUID(), content: "A memory of moderate length, with a few words in it, written by a plugin call.", tags: ["bench", "memory"], createdAt: now, updatedAt: now, owner: "bench-host" };
}

/** `writes` such records as one batch of new memories. */
export function batchOf(writes: number): StorageWrite[] {
  return Array.from({ length: writes }, () => {
    const value = memoryRow();
    return { store: "memories", key: value.id, value };
  });
}
