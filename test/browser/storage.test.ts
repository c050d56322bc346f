import { deleteDB, openDB } from "idb";
import { deleteIndexedDbStorage, indexedDbStorage, type IndexedDbDamage, type StorageDriver } from "@threadspace/storage";
// The driver's internals, read by its own tests (not exported by @threadspace/storage).
import { DB_VERSION, markerKey } from "../../packages/storage/src/drivers/indexeddb.ts";
import { afterEach, describe, expect, test } from "vitest";
import { cdp } from "vitest/browser";
import { idbErrorCases } from "../../packages/storage/src/drivers/idb-errors.test-cases.ts";
import { expectStorageError, storageDriverContract } from "../contract/storage-driver.contract.ts";

let counter = 0;
const freshName = () => `threadspace-test-${Date.now()}-${counter++}`;

storageDriverContract("indexeddb", () => {
  const name = freshName();
  return { open: () => indexedDbStorage({ name }), persistent: true, destroy: () => deleteDB(name) };
});

describe("IndexedDB error mapping (Chromium's DOMException)", idbErrorCases);

describe("IndexedDB driver in Chromium", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const open = (name = freshName(), durability?: "strict" | "relaxed"): StorageDriver => {
    const driver = indexedDbStorage({ name, ...(durability === undefined ? {} : { durability }) });
    cleanup.push(() => deleteDB(name), () => driver.close());
    return driver;
  };

  test("the schema: every store and meta at DB_VERSION, created by the migrations", async () => {
    const name = freshName();
    const driver = open(name);
    await driver.commit([{ store: "kv", key: "a", value: 1 }]);
    await driver.close();
    const raw = await openDB(name);
    expect(raw.version).toBe(DB_VERSION);
    expect([...raw.objectStoreNames].sort()).toEqual(["bundles", "config", "entries", "events", "grants", "health", "kv", "memories", "meta", "owners", "threads"]);
    expect(typeof (await raw.get("meta", "instance"))).toBe("string");
    raw.close();
  });

  test("a version 1 database is upgraded: its data stays, the owners store is added", async () => {
    const name = freshName();
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        for (const store of ["bundles", "grants", "config", "memories", "threads", "entries", "kv", "health", "events", "meta"]) db.createObjectStore(store);
      },
    });
    await v1.put("kv", 7, "a");
    await v1.put("meta", "old-instance", "instance");
    v1.close();
    const driver = open(name);
    expect(await driver.get("kv", "a")).toBe(7);
    await driver.commit([{ store: "owners", key: "p", value: { hash: null, signer: null, since: 1 } }]);
    expect(await driver.get("owners", "p")).toEqual({ hash: null, signer: null, since: 1 });
    await driver.close();
  });

  test("two drivers on one name (two tabs) see each other's commits", async () => {
    const name = freshName();
    const first = open(name);
    const second = open(name);
    await first.commit([{ store: "memories", key: "m", value: { content: "from tab 1" } }]);
    expect(await second.get("memories", "m")).toEqual({ content: "from tab 1" });
  });

  test("a real QuotaExceededError (origin quota lowered through CDP) is quota_exceeded; earlier data stays", async () => {
    const session = cdp();
    const origin = location.origin;
    // Chromium applies a quota override when it opens the origin's IndexedDB backing store, which
    // stays open while earlier tests' connections linger: clearing the origin's IndexedDB (this
    // file's databases are all deleted by now; each Vitest session has its own browser context)
    // closes it.
    await session.send("Storage.clearDataForOrigin", { origin, storageTypes: "indexeddb" });
    await session.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: 1024 * 1024 });
    cleanup.push(() => session.send("Storage.overrideQuotaForOrigin", { origin }));
    const name = freshName();
    let driver = open(name);
    await driver.commit([{ store: "kv", key: "before", value: "kept" }]);
    const big = new Uint8Array(4 * 1024 * 1024).fill(1);
    const error = await expectStorageError(driver.commit([{ store: "kv", key: "small", value: 1 }, { store: "bundles", key: "big", value: { wasm: big } }]), "quota_exceeded");
    expect(error.message).toMatch(/storage quota/);
    expect((error.cause as { name?: string }).name).toMatch(/QuotaExceededError|AbortError/);
    expect(await driver.get("kv", "before")).toBe("kept");
    expect(await driver.get("kv", "small")).toBeUndefined();
    expect(await driver.get("bundles", "big")).toBeUndefined();
    await session.send("Storage.overrideQuotaForOrigin", { origin });
    await driver.close();
    driver = open(name);
    await driver.commit([{ store: "bundles", key: "big", value: { wasm: big } }]);
    expect(((await driver.get("bundles", "big")) as { wasm: Uint8Array }).wasm.length).toBe(big.length);
  });

  test("another connection upgrading the database (versionchange): the driver lets it, then reports storage_unavailable; no data is lost", async () => {
    const name = freshName();
    const driver = open(name);
    await driver.commit([{ store: "kv", key: "a", value: "survives" }]);
    const newer = await openDB(name, DB_VERSION + 1, {
      upgrade(db) {
        db.createObjectStore("added-by-a-newer-version");
      },
      blocked: () => expect.fail("the driver must close its connection on versionchange"),
    });
    expect(await newer.get("kv", "a")).toBe("survives");
    newer.close();
    const error = await expectStorageError(driver.get("kv", "a"), "storage_unavailable");
    expect(error.message).toMatch(/upgraded to a newer version/);
    await expectStorageError(driver.commit([{ store: "kv", key: "b", value: 1 }]), "storage_unavailable");
  });

  test("another connection deleting the database: reported as storage_unavailable, never silently replaced by an empty one", async () => {
    const name = freshName();
    const driver = open(name);
    await driver.commit([{ store: "kv", key: "a", value: 1 }]);
    await deleteDB(name, { blocked: () => expect.fail("the driver must close its connection on versionchange") });
    const error = await expectStorageError(driver.commit([{ store: "kv", key: "b", value: 2 }]), "storage_unavailable");
    expect(error.message).toMatch(/was deleted while in use .*another connection deleted the database/);
    await expectStorageError(driver.get("kv", "a"), "storage_unavailable");
  });

  test('"clear site data" (CDP Storage.clearDataForOrigin) while open: reported as storage_unavailable', async () => {
    const name = freshName();
    const driver = open(name);
    await driver.commit([{ store: "kv", key: "a", value: 1 }]);
    await cdp().send("Storage.clearDataForOrigin", { origin: location.origin, storageTypes: "indexeddb" });
    const error = await expectStorageError(driver.get("kv", "a"), "storage_unavailable");
    expect(error.message).toMatch(/was deleted while in use/);
  });

  test("a connection closed under the driver (database intact) is reopened once and the commit retried", async () => {
    const captured: IDBDatabase[] = [];
    const original = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory["open"]>) {
      const request = original.apply(this, args);
      request.addEventListener("success", () => captured.push(request.result));
      return request;
    };
    try {
      const driver = open();
      await driver.commit([{ store: "kv", key: "a", value: 1 }]);
      expect(captured.length).toBe(1);
      (captured[0] as IDBDatabase).close(); // as if the browser dropped it
      await driver.commit([{ store: "kv", key: "b", value: 2 }]);
      expect(captured.length).toBe(2);
      expect(await driver.scan("kv")).toEqual([
        { key: "a", value: 1 },
        { key: "b", value: 2 },
      ]);
    } finally {
      IDBFactory.prototype.open = original;
    }
  });

  test("a database the browser discarded (gone on the next start, marker says it held data) is storage_unavailable, never silently empty", async () => {
    const name = freshName();
    cleanup.push(() => deleteIndexedDbStorage(name));
    const first = indexedDbStorage({ name });
    await first.commit([{ store: "kv", key: "a", value: 1 }]);
    // Written at the first commit (a page killed right after still has it), brought up to date at close.
    expect(JSON.parse(localStorage.getItem(markerKey(name)) ?? "null")).toMatchObject({ commits: 1 });
    await first.commit([{ store: "kv", key: "b", value: 2 }]);
    expect(JSON.parse(localStorage.getItem(markerKey(name)) ?? "null")).toMatchObject({ commits: 1 });
    await first.close();
    expect(JSON.parse(localStorage.getItem(markerKey(name)) ?? "null")).toMatchObject({ commits: 2 });
    await deleteDB(name); // what Chromium does with a backing store damaged by a crash
    const second = indexedDbStorage({ name });
    const error = await expectStorageError(second.get("kv", "a"), "storage_unavailable");
    expect(error.message).toMatch(/browser discarded the IndexedDB database .*\(at least 2 commits .*onDamaged: \(\) => "delete"/);
    await expectStorageError(second.commit([{ store: "kv", key: "c", value: 3 }]), "storage_unavailable");
    await second.close();
    // Still reported on the next start (the empty database created meanwhile is another instance).
    const third = indexedDbStorage({ name });
    await expectStorageError(third.scan("kv"), "storage_unavailable");
    await third.close();
    // onDamaged: "delete" starts over, after saying why.
    const seen: IndexedDbDamage[] = [];
    const fourth = indexedDbStorage({ name, onDamaged: (damage) => (seen.push(damage), "delete") });
    expect(await fourth.scan("kv")).toEqual([]);
    expect(seen.map((d) => [d.reason, d.error.code])).toEqual([["discarded", "storage_unavailable"]]);
    await fourth.commit([{ store: "kv", key: "fresh", value: 1 }]);
    await fourth.close();
    const fifth = indexedDbStorage({ name });
    expect(await fifth.get("kv", "fresh")).toBe(1);
    await fifth.close();
  });

  test("a store the browser cannot open (every open fails) is tried twice, then reported as storage_unavailable; onDamaged: \"delete\" starts over", async () => {
    const name = freshName();
    cleanup.push(() => deleteIndexedDbStorage(name));
    const original = IDBFactory.prototype.open;
    let opens = 0;
    // Every open of `name` fails: its upgrade is aborted (after the driver's own upgrade handler ran).
    IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory["open"]>) {
      const request = original.apply(this, args);
      if (args[0] === name) {
        opens++;
        queueMicrotask(() => request.addEventListener("upgradeneeded", () => request.transaction?.abort()));
      }
      return request;
    };
    try {
      const driver = indexedDbStorage({ name });
      const error = await expectStorageError(driver.get("kv", "a"), "storage_unavailable");
      expect(error.message).toMatch(/could not open its IndexedDB store ".*" \(AbortError: .*damaged by a browser crash.*Tried: opened twice, 100 ms apart.*onDamaged: \(\) => "delete"/);
      expect(opens).toBe(2);
      await expectStorageError(driver.commit([{ store: "kv", key: "a", value: 1 }]), "storage_unavailable");
      expect(opens).toBe(2); // reported to every later use without reopening
      await driver.close();
      const seen: string[] = [];
      const fresh = indexedDbStorage({
        name,
        onDamaged: (damage) => {
          seen.push(damage.reason);
          IDBFactory.prototype.open = original; // the damage is gone once deleted
          return "delete";
        },
      });
      await fresh.commit([{ store: "kv", key: "a", value: 1 }]);
      expect(await fresh.get("kv", "a")).toBe(1);
      expect(seen).toEqual(["unopenable"]);
      await fresh.close();
    } finally {
      IDBFactory.prototype.open = original;
    }
  });

  test("marker: false opts out of the check (and writes no marker)", async () => {
    const name = freshName();
    cleanup.push(() => deleteIndexedDbStorage(name));
    const first = indexedDbStorage({ name, marker: false });
    await first.commit([{ store: "kv", key: "a", value: 1 }]);
    await first.close();
    expect(localStorage.getItem(markerKey(name))).toBeNull();
    await deleteDB(name);
    const second = indexedDbStorage({ name, marker: false });
    expect(await second.get("kv", "a")).toBeUndefined();
    await second.close();
  });

  test("relaxed durability works the same for reads and writes", async () => {
    const driver = open(freshName(), "relaxed");
    await driver.commit([{ store: "events", key: "e", value: { topic: "x" } }]);
    expect(await driver.get("events", "e")).toEqual({ topic: "x" });
  });
});
