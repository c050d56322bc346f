import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStorage } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";
import { storageDriverContract } from "../contract/storage-driver.contract.ts";

/** The storage driver contract in Node: the memory driver and the file driver (as configured in use, and compacting after nearly every commit). */
storageDriverContract("memory", () => ({ open: () => memoryStorage(), persistent: false }));

const fileSetup = (options: Omit<Parameters<typeof fileStorage>[0], "dir">) => async () => {
  const dir = await mkdtemp(join(tmpdir(), "threadspace-storage-"));
  return { open: () => fileStorage({ dir, ...options }), persistent: true, destroy: () => rm(dir, { recursive: true, force: true }) };
};

storageDriverContract("file", fileSetup({}));
storageDriverContract("file (relaxed, compacting constantly)", fileSetup({ durability: "relaxed", compaction: { minBytes: 0, ratio: 1.05 } }));
