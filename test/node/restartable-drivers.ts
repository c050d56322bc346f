import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStorage, type StorageDriver } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";

/** A driver a suite can open again after a "restart", and destroy at the end. */
export interface RestartableDriver {
  readonly open: () => StorageDriver;
  readonly destroy: () => Promise<unknown>;
}

/** The memory driver, shared across "restarts": each engine gets a view whose close() keeps the data. */
export function sharedMemoryDriver(): RestartableDriver {
  const shared = memoryStorage();
  const view = (): StorageDriver => ({
    name: shared.name,
    get: (store, key) => shared.get(store, key),
    scan: (store, options) => shared.scan(store, options),
    commit: (batch) => shared.commit(batch),
    close: async () => undefined,
  });
  return { open: view, destroy: () => shared.close() };
}

/** The file driver on a fresh temporary directory (named with `prefix`), removed by destroy(). */
export async function tempFileDriver(prefix: string): Promise<RestartableDriver> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { open: () => fileStorage({ dir }), destroy: () => rm(dir, { recursive: true, force: true }) };
}
