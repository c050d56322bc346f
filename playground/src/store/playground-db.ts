/**
 * The playground's own IndexedDB database (apart from the engine's): call history, health samples
 * and trusted keys. The page and the engine worker both open it (IndexedDB is shared by origin).
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { CallRecord } from "./call-record.ts";
import type { HealthSample } from "./health-sample.ts";
import type { StoredTrace } from "./trace-record.ts";

/** The database's name; Reset playground deletes it with the engine's. */
export const PLAYGROUND_DB = "threadspace-playground-ui";

/** A public key the playground's engine trusts, as pasted (base64 of the 32 raw bytes) and its id. */
export interface TrustedKey {
  readonly id: string;
  readonly base64: string;
  readonly label: string;
  readonly addedAt: number;
}

interface PlaygroundSchema extends DBSchema {
  calls: { key: number; value: CallRecord; indexes: { plugin: string } };
  samples: { key: number; value: HealthSample; indexes: { plugin: string } };
  keys: { key: string; value: TrustedKey };
  traces: { key: number; value: StoredTrace; indexes: { plugin: string } };
}

export type PlaygroundDb = IDBPDatabase<PlaygroundSchema>;

let opened: Promise<PlaygroundDb> | undefined;

/** Opens (once) the playground's database; version 1 creates calls, samples and keys, version 2 traces. */
export function playgroundDb(): Promise<PlaygroundDb> {
  opened ??= openDB<PlaygroundSchema>(PLAYGROUND_DB, 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore("calls", { keyPath: "id", autoIncrement: true }).createIndex("plugin", "plugin");
        db.createObjectStore("samples", { keyPath: "id", autoIncrement: true }).createIndex("plugin", "plugin");
        db.createObjectStore("keys", { keyPath: "id" });
      }
      if (oldVersion < 2) db.createObjectStore("traces", { keyPath: "id", autoIncrement: true }).createIndex("plugin", "plugin");
    },
    // Reset deletes the database: let go of it so the deletion is not blocked.
    blocking() {
      void opened?.then((db) => db.close());
      opened = undefined;
    },
  });
  return opened;
}

/** Keeps the newest `keep` records of `plugin` in `store`, deleting older ones. */
export async function trim(db: PlaygroundDb, store: "calls" | "samples" | "traces", plugin: string, keep: number): Promise<void> {
  const keys = await db.getAllKeysFromIndex(store, "plugin", plugin);
  const old = keys.slice(0, Math.max(0, keys.length - keep));
  if (old.length === 0) return;
  const tx = db.transaction(store, "readwrite");
  await Promise.all([...old.map((key) => tx.store.delete(key)), tx.done]);
}
