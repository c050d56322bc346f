/**
 * Cases of `durableObjectStorage` beyond the driver contract, run inside a Durable Object like
 * the contract (storage-worker.ts): Cloudflare's limits (128 KiB per value, 128 keys per call,
 * 2 KiB keys), which local workerd does not enforce, are kept by the driver itself.
 */
import { DELETE, key } from "@threadspace/storage";
import { durableObjectStorage, DO_MAX_KEYS_PER_CALL, DO_MAX_VALUE_BYTES, type DurableObjectOperationsLike, type DurableObjectStorageLike } from "@threadspace/storage/durable-object";
import { describe, expect, test } from "vitest";
import { expectStorageError } from "../contract/storage-driver.contract.ts";

/** The storage, recording the keys of every put and delete call and the size of every value put. */
function recording(storage: DurableObjectStorageLike) {
  const calls: { op: "put" | "delete"; keys: number }[] = [];
  const sizes: number[] = [];
  const wrap = (ops: DurableObjectOperationsLike): DurableObjectOperationsLike => ({
    get: (keys) => ops.get(keys),
    list: (options) => ops.list(options),
    put(entries) {
      calls.push({ op: "put", keys: Object.keys(entries).length });
      for (const value of Object.values(entries)) if (value instanceof Uint8Array) sizes.push(value.byteLength);
      return ops.put(entries);
    },
    delete(keys) {
      calls.push({ op: "delete", keys: keys.length });
      return ops.delete(keys);
    },
  });
  const recorded: DurableObjectStorageLike = { ...wrap(storage), transaction: (closure) => storage.transaction((txn) => closure(wrap(txn))) };
  return { storage: recorded, calls, sizes };
}

export function durableObjectCases(current: () => DurableObjectStorageLike & { deleteAll(): Promise<void> }): void {
  describe("durableObjectStorage: Cloudflare's limits", () => {
    test("values go in chunks of at most 128 KiB, writes by at most 128 keys per call; a smaller value removes the old chunks", async () => {
      const raw = current();
      await raw.deleteAll();
      const { storage, calls, sizes } = recording(raw);
      const d = durableObjectStorage(storage);
      const big = new Uint8Array(1024 * 1024 + 1).map((_, i) => i % 251);
      const many = Array.from({ length: 300 }, (_, i) => ({ store: "kv" as const, key: key("p", i), value: i }));
      await d.commit([{ store: "bundles", key: "big", value: { wasm: big } }, ...many]);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(DO_MAX_VALUE_BYTES);
      expect(Math.max(...calls.map((c) => c.keys))).toBeLessThanOrEqual(DO_MAX_KEYS_PER_CALL);
      expect(calls.filter((c) => c.op === "put").length).toBe(3); // 300 entries, a header and 9 chunks
      const got = ((await d.get("bundles", "big")) as { wasm: Uint8Array }).wasm;
      expect(got.length === big.length && got.every((x, i) => x === big[i])).toBe(true);
      expect(await d.usage?.("bundles")).toBe(3 + 1 + 4 + big.byteLength);
      expect((await d.scan("kv")).length).toBe(300);

      await d.clear?.("kv");
      await d.commit([{ store: "bundles", key: "big", value: { wasm: big.subarray(0, 300_000) } }]);
      expect((await raw.list()).size).toBe(1 + 3);
      await d.commit([{ store: "bundles", key: "big", value: "small" }]);
      expect([...(await raw.list()).keys()]).toEqual([key("bundles", "big")]);
      await d.commit([{ store: "bundles", key: "big", value: DELETE }]);
      expect((await raw.list()).size).toBe(0);
      await d.close();
    });

    test("a key over 2 KiB (with store name and chunk suffix) is bad_input, and the batch writes nothing", async () => {
      const raw = current();
      await raw.deleteAll();
      const d = durableObjectStorage(raw);
      const error = await expectStorageError(d.commit([{ store: "kv", key: "ok", value: 1 }, { store: "kv", key: "é".repeat(1020), value: 1 }]), "bad_input");
      expect(error.message).toMatch(/too long for a Durable Object .* at most 2048/);
      await d.commit([{ store: "kv", key: "é".repeat(1010), value: 1 }]); // 2041 bytes stored
      expect(await d.get("kv", "ok")).toBeUndefined();
      await d.close();
    });

    test("with a prefix, the driver's keys start with it and clear() leaves other keys alone", async () => {
      const raw = current();
      await raw.deleteAll();
      await raw.put({ "app:counter": 7 });
      const d = durableObjectStorage(raw, { prefix: "ts:" });
      await d.commit([{ store: "kv", key: key("hello", "n"), value: 1 }]);
      expect([...(await raw.list()).keys()]).toEqual(["app:counter", "ts:" + key("kv", "hello", "n")]);
      await d.clear?.();
      expect([...(await raw.list()).keys()]).toEqual(["app:counter"]);
      await d.close();
    });
  });
}
