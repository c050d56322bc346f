import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { memoryStorage } from "./drivers/memory.ts";
import { key } from "./keys.ts";
import { commitWithQuota, defaultOwnerOf, QuotaLedger } from "./quota.ts";
import { DELETE, type StorageWrite } from "./types.ts";
import { entrySize } from "./value.ts";

const kv = (plugin: string, name: string, value: StorageWrite["value"]): StorageWrite => ({ store: "kv", key: key(plugin, name), value });
const rejection = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("per-plugin quota", () => {
  test("counts key + value bytes of what each plugin owns", async () => {
    const storage = memoryStorage();
    const quota = new QuotaLedger({ limitBytes: 1000 });
    await commitWithQuota(storage, quota, [kv("a", "x", "hello"), kv("b", "x", [1, 2])]);
    expect(quota.usage("a")).toBe(entrySize(key("a", "x"), "hello"));
    expect(quota.usage("b")).toBe(entrySize(key("b", "x"), [1, 2]));
    await commitWithQuota(storage, quota, [kv("a", "x", "hi")]);
    expect(quota.usage("a")).toBe(entrySize(key("a", "x"), "hi"));
    await commitWithQuota(storage, quota, [kv("a", "x", DELETE)]);
    expect(quota.usage("a")).toBe(0);
  });

  test("a commit over the limit fails with quota_exceeded, writes nothing, and keeps earlier data", async () => {
    const storage = memoryStorage();
    const quota = new QuotaLedger({ limitBytes: 200 });
    await commitWithQuota(storage, quota, [kv("a", "kept", "x".repeat(100))]);
    const error = await rejection(commitWithQuota(storage, quota, [kv("a", "other", "small"), kv("a", "big", "y".repeat(100))]));
    expect(isThreadspaceError(error, "quota_exceeded")).toBe(true);
    expect((error as { plugin?: string }).plugin).toBe("a");
    expect((error as Error).message).toMatch(/over its quota of 200 bytes/);
    expect(await storage.get("kv", key("a", "kept"))).toBe("x".repeat(100));
    expect(await storage.get("kv", key("a", "other"))).toBeUndefined();
    expect(quota.usage("a")).toBe(entrySize(key("a", "kept"), "x".repeat(100)));
    // Another plugin is not affected; shrinking is always allowed.
    await commitWithQuota(storage, quota, [kv("b", "big", "y".repeat(150))]);
    await commitWithQuota(storage, quota, [kv("a", "kept", "x")]);
  });

  test("a plugin over a lowered limit can still delete and shrink, not grow", async () => {
    const storage = memoryStorage();
    let limit = 1000;
    const quota = new QuotaLedger({ limitOf: () => limit });
    await commitWithQuota(storage, quota, [kv("a", "1", "x".repeat(300)), kv("a", "2", "x".repeat(300))]);
    limit = 100;
    await commitWithQuota(storage, quota, [kv("a", "1", DELETE)]);
    await commitWithQuota(storage, quota, [kv("a", "2", "x".repeat(200))]);
    expect(isThreadspaceError(await rejection(commitWithQuota(storage, quota, [kv("a", "3", 1)])), "quota_exceeded")).toBe(true);
  });

  test("commits in flight reserve their growth: two that fit alone but not together cannot both pass", async () => {
    const storage = memoryStorage();
    const quota = new QuotaLedger({ limitBytes: 300 });
    const first = commitWithQuota(storage, quota, [kv("a", "1", "x".repeat(200))]);
    const second = commitWithQuota(storage, quota, [kv("a", "2", "x".repeat(200))]);
    await first;
    expect(isThreadspaceError(await rejection(second), "quota_exceeded")).toBe(true);
    // A failed commit releases its reservation.
    const closed = memoryStorage();
    await closed.close();
    const ledger = new QuotaLedger({ limitBytes: 300 });
    await rejection(commitWithQuota(closed, ledger, [kv("a", "1", "x".repeat(200))]));
    await commitWithQuota(storage, ledger, [kv("a", "3", "x".repeat(200))]);
  });

  test("load counts what is stored; owners come from kv keys and the owner field", async () => {
    const storage = memoryStorage();
    const memory = { id: "m1", content: "c", tags: [], createdAt: 1, updatedAt: 1, owner: "a" };
    await storage.commit([
      kv("a", "x", 1),
      { store: "memories", key: "m1", value: memory },
      { store: "memories", key: "m2", value: { ...memory, id: "m2", owner: "host" } },
      { store: "bundles", key: "a", value: { wasm: new Uint8Array(5000) } },
    ]);
    const quota = await QuotaLedger.load(storage, { limitBytes: 10_000 });
    expect(quota.usage("a")).toBe(entrySize(key("a", "x"), 1) + entrySize("m1", memory));
    expect(quota.usage("host")).toBe(0);
    expect(defaultOwnerOf("bundles", "a", null)).toBeUndefined();
    quota.forget("a");
    expect(quota.usage("a")).toBe(0);
  });

  test("an entry rewritten by another plugin moves to that plugin's usage", async () => {
    const storage = memoryStorage();
    const quota = new QuotaLedger();
    await commitWithQuota(storage, quota, [{ store: "memories", key: "m", value: { content: "x".repeat(100), owner: "a" } }]);
    await commitWithQuota(storage, quota, [{ store: "memories", key: "m", value: { content: "y", owner: "b" } }]);
    expect(quota.usage("a")).toBe(0);
    expect(quota.usage("b")).toBeGreaterThan(0);
  });
});
