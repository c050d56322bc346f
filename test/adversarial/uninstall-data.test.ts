import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStorage, type StorageDriver } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";
import { nodeEnv } from "../node/node-env.ts";
import { uninstallDataContract } from "./uninstall-data.contract.ts";

uninstallDataContract(nodeEnv, "no storage", undefined);

/** The memory driver, shared across "restarts": each engine gets a view whose close() keeps the data. */
uninstallDataContract(nodeEnv, "memory driver", () => {
  const shared = memoryStorage();
  const view = (): StorageDriver => ({
    name: shared.name,
    get: (store, key) => shared.get(store, key),
    scan: (store, options) => shared.scan(store, options),
    commit: (batch) => shared.commit(batch),
    close: async () => undefined,
  });
  return { open: view, destroy: () => shared.close() };
});

uninstallDataContract(nodeEnv, "file driver", async () => {
  const dir = await mkdtemp(join(tmpdir(), "threadspace-uninstall-data-"));
  return { open: () => fileStorage({ dir }), destroy: () => rm(dir, { recursive: true, force: true }) };
});
