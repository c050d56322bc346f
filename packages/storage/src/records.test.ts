import { describe, expect, test } from "vitest";
import { memoryStorage } from "./drivers/memory.ts";
import { migrationsAfter, MIGRATIONS, DB_VERSION, type Migration } from "./drivers/indexeddb.ts";
import { key, seqKey } from "./keys.ts";
import { appendBounded, BUNDLE_RECORD_VERSION, typedStore, upgradeBundleRecord, WriteBatch, type BundleRecordV1, type EventRow } from "./records.ts";
import { STORE_NAMES } from "./types.ts";

describe("typed stores, batches and bounded logs", () => {
  test("a bounded log keeps the last `keep` records", async () => {
    const storage = memoryStorage();
    for (let seq = 0; seq < 25; seq++) {
      const row: EventRow = { seq, topic: "app.saved", payload: { n: seq }, source: "host", at: seq };
      await storage.commit(appendBounded(new WriteBatch(), "events", [], seq, row, 10).writes);
    }
    const events = await typedStore(storage, "events").scan();
    expect(events.map((e) => e.value.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 15 + i));
    expect(events[0]?.key).toBe(seqKey(15));
    const batch = appendBounded(new WriteBatch(), "events", ["hello"], 3, { seq: 3, topic: "app.saved", payload: null, source: "host", at: 1 }, 2);
    expect(batch.writes.map((w) => w.key)).toEqual([key("hello", 3), key("hello", 1)]);
  });

  test("typedStore reads and builds writes for one store", async () => {
    const storage = memoryStorage();
    const grants = typedStore(storage, "grants");
    await storage.commit([grants.put("hello", { permissions: ["kv"] })]);
    expect((await grants.get("hello"))?.permissions).toEqual(["kv"]);
    await storage.commit([grants.delete("hello")]);
    expect(await grants.get("hello")).toBeUndefined();
    expect(new WriteBatch().put("kv", "a", 1).delete("kv", "b").size).toBe(2);
  });
});

describe("bundle record versions", () => {
  const v1: BundleRecordV1 = { manifest: "{}", wasm: new Uint8Array([0, 97, 115, 109]), hash: "sha256:00", installedAt: 1, enabled: true };

  test("a version 1 record reads as version 2 without packed; a version 2 record as it is", () => {
    expect(upgradeBundleRecord(v1)).toEqual({ ...v1, v: BUNDLE_RECORD_VERSION });
    const v2 = { ...v1, v: BUNDLE_RECORD_VERSION, packed: { manifest: new Uint8Array([123, 125]), signature: { keyId: "k" } } } as const;
    expect(upgradeBundleRecord(v2)).toBe(v2);
  });

  test("a record of a newer version is refused with storage_unavailable", () => {
    expect(() => upgradeBundleRecord({ ...v1, v: 3 } as unknown as BundleRecordV1)).toThrow(/version 3/);
  });
});

describe("IndexedDB migrations", () => {
  test("a new database runs every migration in order; an up-to-date one none", () => {
    expect(migrationsAfter(0).map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrationsAfter(DB_VERSION)).toEqual([]);
    const steps: Migration[] = [3, 1, 2].map((version) => ({ version, description: `v${version}`, up: () => {} }));
    expect(migrationsAfter(1, steps).map((m) => m.version)).toEqual([2, 3]);
    expect(STORE_NAMES.length).toBe(10);
  });
});
