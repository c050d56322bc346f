import { DELETE, entrySize, key, keyPrefix, type StorageDriver, type StorageValue, type StorageWrite } from "@threadspace/storage";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectCode as expectStorageError } from "./expect-error.ts";

/** Where a driver under test keeps its data, and how to open it (again). */
export interface DriverSetup {
  /** A new driver on this setup's location: for a persistent driver, on the same data as the last one. */
  open(): StorageDriver | Promise<StorageDriver>;
  /** True when a driver opened again sees what an earlier one committed (file, IndexedDB). */
  readonly persistent: boolean;
  /** Removes the location's data (after each test; drivers are closed by then). */
  destroy?(): Promise<void>;
}

/** Awaits `promise`, expects a ThreadspaceError with `code`, and returns it (the contract suites' one helper). */
export { expectStorageError };

const bytes = (n: number, seed = 7): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** One of each value kind a store must round-trip exactly. */
export const VALUE_KINDS: Record<string, StorageValue> = {
  null: null,
  true: true,
  false: false,
  zero: 0,
  negativeZero: -0,
  int: 42,
  negative: -7,
  int32Edge: 2 ** 31,
  maxSafe: Number.MAX_SAFE_INTEGER,
  float: 3.141592653589793,
  tiny: 5e-324,
  nan: NaN,
  infinity: Infinity,
  minusInfinity: -Infinity,
  empty: "",
  ascii: "hello",
  unicode: "héllo wörld — 日本語 🎉 \u0000\u0001 zero\u200bwidth \uffff",
  long: "x".repeat(100_000) + "é",
  noBytes: new Uint8Array(0),
  allBytes: Uint8Array.from({ length: 256 }, (_, i) => i),
  emptyArray: [],
  emptyObject: {},
  nested: { a: [1, { b: null, c: [true, "x", { d: new Uint8Array([1, 2, 3]) }] }], "": "empty key", "ключ 🗝": [[[]]] },
  protoKey: JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}') as StorageValue,
  memory: { id: "m1", content: "A memory", tags: ["a", "b"], createdAt: 1700000000000, updatedAt: 1700000000001, owner: "hello" },
};

/**
 * The storage driver contract: the same cases for every driver (memory and file in Node,
 * IndexedDB in Chromium). `makeDriver` gives a fresh location for each test.
 *
 * @example
 * storageDriverContract("memory", () => ({ open: () => memoryStorage(), persistent: false }));
 */
export function storageDriverContract(name: string, makeDriver: () => DriverSetup | Promise<DriverSetup>): void {
  describe(`storage driver contract: ${name}`, () => {
    let setup: DriverSetup;
    let open: StorageDriver[] = [];
    const driver = async (): Promise<StorageDriver> => {
      const d = await setup.open();
      open.push(d);
      return d;
    };
    /** Closes `d` and opens the same location again (persistent drivers only). */
    const reopen = async (d: StorageDriver): Promise<StorageDriver> => {
      await d.close();
      return driver();
    };

    beforeEach(async () => {
      setup = await makeDriver();
      open = [];
    });
    afterEach(async () => {
      for (const d of open) await d.close();
      await setup.destroy?.();
    });

    test("round-trips every value kind exactly", async () => {
      const d = await driver();
      await d.commit(Object.entries(VALUE_KINDS).map(([k, value]) => ({ store: "kv", key: k, value })));
      for (const [k, value] of Object.entries(VALUE_KINDS)) {
        const got = await d.get("kv", k);
        expect(got, k).toEqual(value);
        if (typeof value === "number") expect(Object.is(got, value), `${k}: ${String(got)}`).toBe(true);
      }
      expect((await d.get("kv", "allBytes"))?.constructor).toBe(Uint8Array);
      const proto = (await d.get("kv", "protoKey")) as Record<string, unknown>;
      expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
      expect(Object.keys(proto).sort()).toEqual(["__proto__", "constructor"]);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
      const nested = (await d.get("kv", "nested")) as { a: [number, { c: [boolean, string, { d: Uint8Array }] }] };
      expect(nested.a[1].c[2].d).toBeInstanceOf(Uint8Array);
    });

    test("stores copies: changing a value after commit or after get changes nothing stored", async () => {
      const d = await driver();
      const value = { list: [1, 2], inner: { n: 1 }, raw: new Uint8Array([1, 2, 3]) };
      await d.commit([{ store: "kv", key: "v", value }]);
      value.list.push(3);
      value.inner.n = 99;
      value.raw[0] = 42;
      const got = (await d.get("kv", "v")) as typeof value;
      expect(got).toEqual({ list: [1, 2], inner: { n: 1 }, raw: new Uint8Array([1, 2, 3]) });
      got.list.push(4);
      got.raw[1] = 42;
      expect(await d.get("kv", "v")).toEqual({ list: [1, 2], inner: { n: 1 }, raw: new Uint8Array([1, 2, 3]) });
      const [entry] = await d.scan("kv");
      (entry?.value as typeof value).inner.n = 7;
      expect(await d.get("kv", "v")).toEqual({ list: [1, 2], inner: { n: 1 }, raw: new Uint8Array([1, 2, 3]) });
    });

    test("a Uint8Array view stores only its own bytes", async () => {
      const d = await driver();
      const backing = bytes(1024);
      await d.commit([{ store: "bundles", key: "view", value: backing.subarray(10, 20) }]);
      const got = (await d.get("bundles", "view")) as Uint8Array;
      expect(got).toEqual(backing.slice(10, 20));
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(10);
    });

    test("handed-over values ({ handOver: true }) are validated and stored the same; a view still stores only its bytes", async () => {
      const d = await driver();
      const backing = bytes(64);
      const row = { id: "m1", tags: Object.freeze(["a", "b"]), raw: backing.subarray(4, 8), n: -0 };
      await d.commit([{ store: "memories", key: "m1", value: row }, { store: "kv", key: "gone", value: DELETE }], { handOver: true });
      const got = (await d.get("memories", "m1")) as typeof row;
      expect(got).toEqual({ id: "m1", tags: ["a", "b"], raw: backing.slice(4, 8), n: -0 });
      expect(got.raw.buffer.byteLength).toBe(4);
      const error = await expectStorageError(d.commit([{ store: "kv", key: "ok", value: 1 }, { store: "kv", key: "bad", value: new Date(0) as never }], { handOver: true }), "bad_input");
      expect(error.message).toContain('kv "bad"');
      expect(await d.get("kv", "ok")).toBeUndefined();
    });

    test("scans in key order (UTF-16 code units), by prefix, from a start key, with a limit", async () => {
      const d = await driver();
      const keys = ["b", "a", "ab", "a\u0000", "Z", "é", "😀", "\uffff", "", "a/b", "p1", "p10", key("p1", "x"), key("p1", "y"), key("p10", "x")];
      await d.commit(keys.map((k, i) => ({ store: "memories", key: k, value: i })));
      const sorted = [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      expect((await d.scan("memories")).map((e) => e.key)).toEqual(sorted);
      expect((await d.scan("memories")).map((e) => e.value)).toEqual(sorted.map((k) => keys.indexOf(k)));
      expect((await d.scan("memories", { prefix: "a" })).map((e) => e.key)).toEqual(["a", "a\u0000", "a/b", "ab"]);
      expect((await d.scan("memories", { prefix: keyPrefix("p1") })).map((e) => e.key)).toEqual([key("p1", "x"), key("p1", "y")]);
      expect((await d.scan("memories", { prefix: "\uffff" })).map((e) => e.key)).toEqual(["\uffff"]);
      expect((await d.scan("memories", { prefix: "a", limit: 2 })).map((e) => e.key)).toEqual(["a", "a\u0000"]);
      expect((await d.scan("memories", { prefix: "a", start: "a/" })).map((e) => e.key)).toEqual(["a/b", "ab"]);
      expect((await d.scan("memories", { start: "p" })).map((e) => e.key)).toEqual(sorted.filter((k) => k >= "p"));
      expect((await d.scan("memories", { prefix: "a", start: "b" })).map((e) => e.key)).toEqual([]);
      expect(await d.scan("memories", { limit: 0 })).toEqual([]);
      expect(await d.scan("memories", { prefix: "nothing" })).toEqual([]);
      expect(await d.scan("threads")).toEqual([]);
      await expectStorageError(d.scan("memories", { limit: -1 }), "bad_input");
    });

    test("paging with start: the last key plus U+0000 continues where a page stopped", async () => {
      const d = await driver();
      await d.commit(Array.from({ length: 25 }, (_, i) => ({ store: "entries", key: key("t1", i), value: { seq: i } })));
      const seen: number[] = [];
      let start: string | undefined;
      for (;;) {
        const page = await d.scan("entries", { prefix: keyPrefix("t1"), limit: 10, ...(start === undefined ? {} : { start }) });
        if (page.length === 0) break;
        seen.push(...page.map((e) => (e.value as { seq: number }).seq));
        start = (page[page.length - 1] as { key: string }).key + "\u0000";
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    });

    test("a batch with an invalid value fails entirely and leaves nothing", async () => {
      const d = await driver();
      await d.commit([{ store: "kv", key: "kept", value: "before" }]);
      const cyclic: Record<string, unknown> = {};
      cyclic["self"] = cyclic;
      const invalid: unknown[] = [() => 1, undefined, new Date(0), new Map(), cyclic, { deep: [{ fn: Symbol("s") }] }, new Uint16Array(2), 10n, "\ud800 lone surrogate"];
      for (const bad of invalid) {
        const batch = [
          { store: "kv", key: "kept", value: "after" },
          { store: "kv", key: "new", value: { fine: true } },
          { store: "memories", key: "m", value: "fine" },
          { store: "kv", key: "bad", value: bad },
        ] as StorageWrite[];
        const error = await expectStorageError(d.commit(batch), "bad_input");
        expect(error.message).toContain('kv "bad"');
      }
      await expectStorageError(d.commit([{ store: "kv", key: "x", value: 1 }, { store: "nope" as "kv", key: "x", value: 1 }]), "bad_input");
      await expectStorageError(d.commit([{ store: "kv", key: "x", value: 1 }, { store: "kv", key: "\udc00", value: 1 }]), "bad_input");
      await expectStorageError(d.commit([{ store: "kv", key: "x", value: 1 }, { store: "kv", key: 5 as unknown as string, value: 1 }]), "bad_input");
      expect(await d.get("kv", "kept")).toBe("before");
      expect(await d.get("kv", "new")).toBeUndefined();
      expect(await d.get("kv", "x")).toBeUndefined();
      expect(await d.scan("memories")).toEqual([]);
      expect((await d.scan("kv")).map((e) => e.key)).toEqual(["kept"]);
      // The driver still works afterwards.
      await d.commit([{ store: "kv", key: "after", value: 1 }]);
      expect(await d.get("kv", "after")).toBe(1);
    });

    test("deletes, in batch order, and deleting a missing key is fine", async () => {
      const d = await driver();
      await d.commit([
        { store: "kv", key: "a", value: 1 },
        { store: "kv", key: "b", value: 2 },
        { store: "kv", key: "c", value: 3 },
      ]);
      await d.commit([
        { store: "kv", key: "a", value: DELETE },
        { store: "kv", key: "missing", value: DELETE },
        { store: "kv", key: "b", value: 20 },
        { store: "kv", key: "b", value: DELETE },
        { store: "kv", key: "c", value: DELETE },
        { store: "kv", key: "c", value: 30 },
      ]);
      expect(await d.get("kv", "a")).toBeUndefined();
      expect(await d.get("kv", "b")).toBeUndefined();
      expect(await d.get("kv", "c")).toBe(30);
      expect((await d.scan("kv")).map((e) => e.key)).toEqual(["c"]);
      await d.commit([]);
    });

    test("stores are isolated; clear(store) empties one, clear() all", async () => {
      const d = await driver();
      await d.commit([
        { store: "kv", key: "same", value: "kv" },
        { store: "memories", key: "same", value: "memories" },
        { store: "events", key: "same", value: "events" },
      ]);
      expect(await d.get("kv", "same")).toBe("kv");
      expect(await d.get("memories", "same")).toBe("memories");
      expect(await d.get("threads", "same")).toBeUndefined();
      await d.commit([{ store: "kv", key: "same", value: DELETE }]);
      expect(await d.get("memories", "same")).toBe("memories");
      if (d.clear === undefined) return;
      await d.clear("memories");
      expect(await d.get("memories", "same")).toBeUndefined();
      expect(await d.get("events", "same")).toBe("events");
      await d.commit([{ store: "kv", key: "again", value: 1 }]);
      await d.clear();
      for (const store of ["kv", "memories", "events"] as const) expect(await d.scan(store)).toEqual([]);
    });

    test("large values: an 8 MiB Uint8Array and a 2 MiB string", async () => {
      let d = await driver();
      const wasm = bytes(8 * 1024 * 1024, 3);
      const text = "ü".repeat(1024 * 1024);
      await d.commit([
        { store: "bundles", key: "big", value: { manifest: "{}", wasm, hash: "sha256:x", installedAt: 1, enabled: true } },
        { store: "kv", key: "text", value: text },
      ]);
      const check = async (drv: StorageDriver) => {
        const got = (await drv.get("bundles", "big")) as { wasm: Uint8Array };
        expect(got.wasm.length).toBe(wasm.length);
        expect(got.wasm[12345]).toBe(wasm[12345]);
        expect(sameBytes(got.wasm, wasm)).toBe(true); // (toEqual walks 8 Mi elements slowly)
        expect(await drv.get("kv", "text")).toBe(text);
      };
      await check(d);
      if (!setup.persistent) return;
      d = await reopen(d);
      await check(d);
    });

    test("commits called together are applied one after another, in call order", async () => {
      const d = await driver();
      const order: number[] = [];
      const commits = Array.from({ length: 100 }, (_, i) => {
        const batch: StorageWrite[] = [
          { store: "kv", key: "shared", value: i },
          { store: "kv", key: key("k", i), value: i },
        ];
        if (i % 10 === 9) batch.push({ store: "kv", key: key("k", i - 5), value: DELETE });
        return d.commit(batch).then(() => order.push(i));
      });
      await Promise.all(commits);
      expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(await d.get("kv", "shared")).toBe(99);
      expect((await d.scan("kv", { prefix: keyPrefix("k") })).length).toBe(90);
    });

    test("a read called after a commit sees it, even without awaiting the commit", async () => {
      const d = await driver();
      const committed = d.commit([{ store: "threads", key: "t", value: { title: "x" } }]);
      expect(await d.get("threads", "t")).toEqual({ title: "x" });
      expect((await d.scan("threads")).length).toBe(1);
      await committed;
    });

    test("usage is the key and value sizes under a prefix", async (context) => {
      const d = await driver();
      if (d.usage === undefined) return context.skip();
      const writes: StorageWrite[] = [
        { store: "kv", key: key("a", "x"), value: { n: 1, s: "héllo" } },
        { store: "kv", key: key("a", "y"), value: new Uint8Array(100) },
        { store: "kv", key: key("b", "x"), value: "other plugin" },
      ];
      await d.commit(writes);
      const size = (w: StorageWrite) => entrySize(w.key, w.value as StorageValue);
      expect(await d.usage("kv", keyPrefix("a"))).toBe(size(writes[0] as StorageWrite) + size(writes[1] as StorageWrite));
      expect(await d.usage("kv")).toBe(writes.reduce((n, w) => n + size(w), 0));
      expect(await d.usage("memories")).toBe(0);
    });

    test("what was committed is there after reopening; deletes too", async (context) => {
      if (!setup.persistent) return context.skip();
      let d = await driver();
      await d.commit(Object.entries(VALUE_KINDS).map(([k, value]) => ({ store: "kv", key: k, value })));
      await d.commit([
        { store: "grants", key: "hello", value: { permissions: ["kv", "log"] } },
        { store: "kv", key: "null", value: DELETE },
      ]);
      await d.commit([{ store: "grants", key: "hello", value: { permissions: ["kv"] } }]);
      d = await reopen(d);
      const expected = { ...VALUE_KINDS };
      delete expected["null"];
      const stored = Object.fromEntries((await d.scan("kv")).map((e) => [e.key, e.value]));
      expect(Object.keys(stored).sort()).toEqual(Object.keys(expected).sort());
      for (const [k, value] of Object.entries(expected)) expect(stored[k], k).toEqual(value);
      expect(Object.is(stored["negativeZero"], -0)).toBe(true);
      expect(await d.get("grants", "hello")).toEqual({ permissions: ["kv"] });
      await d.commit([{ store: "kv", key: "after-reopen", value: 1 }]);
      d = await reopen(d);
      expect(await d.get("kv", "after-reopen")).toBe(1);
      expect(await d.get("kv", "ascii")).toBe("hello");
    });

    test("close waits for pending commits; then every use fails with storage_unavailable", async () => {
      let d = await driver();
      const pending = d.commit([{ store: "kv", key: "pending", value: "yes" }]);
      await d.close();
      await pending;
      await d.close(); // twice is fine
      await expectStorageError(d.get("kv", "pending"), "storage_unavailable");
      await expectStorageError(d.scan("kv"), "storage_unavailable");
      const error = await expectStorageError(d.commit([{ store: "kv", key: "late", value: 1 }]), "storage_unavailable");
      expect(error.message).toMatch(/closed/);
      if (!setup.persistent) return;
      d = await driver();
      expect(await d.get("kv", "pending")).toBe("yes");
      expect(await d.get("kv", "late")).toBeUndefined();
    });
  });
}
