import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { durableObjectStorage, type DurableObjectStorageLike } from "./durable-object.ts";

/** A storage whose every operation fails with `error` (what workerd throws when the object breaks). */
const failing = (error: unknown): DurableObjectStorageLike => {
  const fail = () => Promise.reject(error);
  return { get: fail, put: fail, delete: fail, list: fail, transaction: fail };
};

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (isThreadspaceError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a rejection");
};

// workerd runs the driver against real storage in test/edge/storage.test.ts; these are the errors
// it cannot be made to throw there.
describe("durableObjectStorage: errors of the object's storage", () => {
  test("a full object is quota_exceeded; a refused value bad_input; anything else storage_unavailable", async () => {
    const commit = (error: unknown) => codeOf(durableObjectStorage(failing(error)).commit([{ store: "kv", key: "k", value: 1 }]));
    expect(await commit(new Error("database or disk is full: SQLITE_FULL"))).toMatch(/^quota_exceeded: \[threadspace\] storage \(durable-object\): the Durable Object's storage is full .* committing 1 writes/);
    expect(await commit(new Error("Exceeded allowed storage in Durable Object."))).toMatch(/^quota_exceeded/);
    expect(await commit(new Error("string or blob too big: SQLITE_TOOBIG"))).toMatch(/^bad_input: .*refused a key or value/);
    expect(await commit(new RangeError("Values cannot be larger than 131072 bytes."))).toMatch(/^bad_input/);
    expect(await commit(new Error("Network connection lost."))).toMatch(/^storage_unavailable: .*failed while committing 1 writes \(Network connection lost\.\).*retry/);
    expect(await codeOf(durableObjectStorage(failing(new Error("Durable Object reset because its code was updated."))).get("kv", "k"))).toMatch(/^storage_unavailable: .*reading kv "k"/);
  });

  test("the driver goes on after a failed operation", async () => {
    let fail = true;
    const values = new Map<string, unknown>();
    const ops = {
      get: async (keys: string[]) => new Map(keys.filter((k) => values.has(k)).map((k) => [k, values.get(k)])),
      put: async (entries: Record<string, unknown>) => void Object.entries(entries).forEach(([k, v]) => values.set(k, v)),
      delete: async (keys: string[]) => keys.filter((k) => values.delete(k)).length,
      list: async () => new Map(),
    };
    const storage: DurableObjectStorageLike = {
      ...ops,
      transaction: (closure) => (fail ? Promise.reject(new Error("Network connection lost.")) : closure(ops)),
    };
    const d = durableObjectStorage(storage);
    expect(await codeOf(d.commit([{ store: "kv", key: "k", value: 1 }]))).toMatch(/^storage_unavailable/);
    fail = false;
    await d.commit([{ store: "kv", key: "k", value: 2 }]);
    expect(await d.get("kv", "k")).toBe(2);
  });
});
