import { spawn } from "node:child_process";
import { mkdtemp, open, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isThreadspaceError } from "@threadspace/errors";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { key, keyPrefix } from "../keys.ts";
import { DELETE, type StorageWrite } from "../types.ts";
import { fileStorage, fsError, type RecoveryInfo } from "./file.ts";

let dir: string;
const log = () => join(dir, "threadspace.log");
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "threadspace-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const code = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (isThreadspaceError(error)) return error.code;
    throw error;
  }
  return "resolved";
};

const put = (k: string, value: StorageWrite["value"]): StorageWrite => ({ store: "kv", key: k, value });

describe("file driver: torn tail recovery", () => {
  test("a log cut anywhere inside its last record reopens with every earlier commit, and the cut commit entirely gone", async () => {
    const first = fileStorage({ dir });
    await first.commit([put("a", 1), put("b", { nested: [1, 2] })]);
    await first.commit([put("c", "three"), put("a", DELETE)]);
    const before = (await stat(log())).size;
    await first.commit([put("d", "x".repeat(300)), put("e", new Uint8Array([1, 2, 3])), put("b", DELETE)]);
    await first.close();
    const full = (await stat(log())).size;
    const saved = await readFile(log());
    for (let cut = before + 1; cut < full; cut += 7) {
      await writeFile(log(), saved.subarray(0, cut));
      const recovered: RecoveryInfo[] = [];
      const d = fileStorage({ dir, onRecover: (info) => recovered.push(info) });
      expect((await d.scan("kv")).map((e) => [e.key, e.value]), `cut at ${cut}`).toEqual([
        ["b", { nested: [1, 2] }],
        ["c", "three"],
      ]);
      expect(recovered).toEqual([{ path: log(), droppedBytes: cut - before, reason: expect.stringMatching(/cut short/) }]);
      // The torn bytes are gone from the file, and new commits land after the intact ones.
      expect((await stat(log())).size).toBe(before);
      await d.commit([put("f", 6)]);
      await d.close();
      const again = fileStorage({ dir, onRecover: () => expect.fail("nothing to recover") });
      expect(await again.get("kv", "f")).toBe(6);
      expect(await again.get("kv", "b")).toEqual({ nested: [1, 2] });
      await again.close();
    }
  });

  test("a last record with a bad checksum followed by zeros (a crash on a preallocating file system) is dropped", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", 1)]);
    const good = (await stat(log())).size;
    await d.commit([put("b", 2)]);
    await d.close();
    const bytes = await readFile(log());
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff; // damage the last record's payload
    await writeFile(log(), Buffer.concat([bytes, Buffer.alloc(4096)]));
    const recovered: RecoveryInfo[] = [];
    const again = fileStorage({ dir, onRecover: (info) => recovered.push(info) });
    expect(await again.get("kv", "a")).toBe(1);
    expect(await again.get("kv", "b")).toBeUndefined();
    expect(recovered[0]?.reason).toMatch(/checksum/);
    expect((await stat(log())).size).toBe(good);
    await again.close();
  });

  test("damage in the middle of the log is reported, not cut away (later commits were acknowledged)", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", "first")]);
    const firstEnd = (await stat(log())).size;
    await d.commit([put("b", "second")]);
    await d.commit([put("c", "third")]);
    await d.close();
    const bytes = await readFile(log());
    bytes[firstEnd - 2] = (bytes[firstEnd - 2] as number) ^ 0x01; // inside the first record
    await writeFile(log(), bytes);
    const again = fileStorage({ dir });
    const error = await again.get("kv", "a").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "storage_unavailable")).toBe(true);
    expect((error as Error).message).toMatch(/damaged at byte 8 .*intact data may follow/);
    expect((await readFile(log())).length).toBe(bytes.length); // untouched
    await again.close();
  });

  test("a file that is not a Threadspace log is refused", async () => {
    await writeFile(log(), "hello, this is not a log\n");
    const d = fileStorage({ dir });
    expect(await code(d.get("kv", "a"))).toBe("storage_unavailable");
    await d.close();
    expect(await readFile(log(), "utf8")).toBe("hello, this is not a log\n");
  });
});

describe("file driver: compaction", () => {
  test("compact() keeps exactly the live data and shrinks the log", async () => {
    const d = fileStorage({ dir, compaction: false });
    for (let i = 0; i < 200; i++) await d.commit([put("counter", i), put(key("item", i % 20), { i, text: "y".repeat(100) }), ...(i % 3 === 0 ? [put(key("item", (i + 7) % 20), DELETE)] : [])]);
    await d.commit([{ store: "memories", key: "m", value: { content: "keep me" } }, { store: "bundles", key: "b", value: { wasm: new Uint8Array(5000).fill(9) } }]);
    const live = Object.fromEntries((await d.scan("kv")).map((e) => [e.key, e.value]));
    const before = await d.info();
    await d.compact();
    const after = await d.info();
    expect(after.compactions).toBe(1);
    expect(after.fileBytes).toBeLessThan(before.fileBytes / 5);
    expect((await stat(log())).size).toBe(after.fileBytes);
    expect(Object.fromEntries((await d.scan("kv")).map((e) => [e.key, e.value]))).toEqual(live);
    await d.commit([put("after", "compaction")]);
    await d.close();
    expect((await readdir(dir)).sort()).toEqual(["threadspace.log"]);
    const again = fileStorage({ dir });
    expect(Object.fromEntries((await again.scan("kv")).map((e) => [e.key, e.value]))).toEqual({ ...live, after: "compaction" });
    expect(await again.get("memories", "m")).toEqual({ content: "keep me" });
    expect(((await again.get("bundles", "b")) as { wasm: Uint8Array }).wasm).toEqual(new Uint8Array(5000).fill(9));
    await again.close();
  });

  test("compaction runs on its own once the log outgrows the live data", async () => {
    const d = fileStorage({ dir, durability: "relaxed", compaction: { minBytes: 32 * 1024, ratio: 2 } });
    for (let i = 0; i < 500; i++) await d.commit([put("same", "z".repeat(200) + i)]);
    const info = await d.info();
    expect(info.compactions).toBeGreaterThan(0);
    expect(info.fileBytes).toBeLessThan(64 * 1024);
    expect(await d.get("kv", "same")).toBe("z".repeat(200) + 499);
    await d.close();
  });

  test("a temp file left by a crash during compaction is ignored and removed", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", 1)]);
    await d.close();
    await writeFile(join(dir, "threadspace.log.compact"), "half-written snapshot");
    const again = fileStorage({ dir });
    expect(await again.get("kv", "a")).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(["LOCK.1", "threadspace.log"]);
    await again.close();
  });
});

describe("file driver: ownership and failures", () => {
  test("a second driver on an open directory is refused; after close it opens", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", 1)]);
    const other = fileStorage({ dir });
    const error = await other.get("kv", "a").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "storage_unavailable")).toBe(true);
    expect((error as Error).message).toMatch(/already open in this process/);
    await d.close();
    const third = fileStorage({ dir });
    expect(await third.get("kv", "a")).toBe(1);
    await third.close();
  });

  test("a LOCK held by a live process is refused; one left by a dead process is taken over", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await new Promise((resolve) => child.once("spawn", resolve));
    await writeFile(join(dir, "LOCK"), String(child.pid));
    const d = fileStorage({ dir });
    const error = await d.get("kv", "a").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`in use by process ${child.pid}`));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const after = fileStorage({ dir });
    await after.commit([put("a", 1)]);
    // The stale LOCK is replaced by the next generation, naming this process.
    expect((await readdir(dir)).filter((name) => name.startsWith("LOCK"))).toEqual(["LOCK.1"]);
    expect(JSON.parse(await readFile(join(dir, "LOCK.1"), "utf8"))).toMatchObject({ pid: process.pid });
    await after.close();
    expect((await readdir(dir)).sort()).toEqual(["threadspace.log"]);
  });

  test("a full disk is quota_exceeded; other fs errors storage_unavailable", () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    expect(fsError(enospc, "writing").code).toBe("quota_exceeded");
    expect(fsError(Object.assign(new Error("quota"), { code: "EDQUOT" }), "writing").code).toBe("quota_exceeded");
    expect(fsError(Object.assign(new Error("EIO"), { code: "EIO" }), "writing").code).toBe("storage_unavailable");
    expect(fsError(enospc, "writing").cause).toBe(enospc);
  });

  /** Makes the next `FileHandle.write` of more than `minBytes` write half its bytes and then fail like a full disk. */
  const failNextWrite = async (minBytes: number, error: NodeJS.ErrnoException): Promise<() => void> => {
    const probe = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    await rm(join(dir, "probe"));
    const original = proto.write;
    let armed = true;
    proto.write = async function (this: unknown, ...args: unknown[]) {
      const [buffer, offset, length, position] = args as [Uint8Array, number, number, number];
      if (armed && length > minBytes) {
        armed = false;
        await original.call(this, buffer, offset, Math.floor(length / 2), position);
        throw error;
      }
      return original.apply(this, args);
    };
    return () => {
      proto.write = original;
    };
  };

  test("a write that fails half-way (disk full) is cut back: quota_exceeded, nothing of it kept, the driver goes on", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", 1)]);
    const size = (await stat(log())).size;
    const restore = await failNextWrite(1000, Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
    try {
      expect(await code(d.commit([put("big", "x".repeat(5000)), put("a", 2)]))).toBe("quota_exceeded");
    } finally {
      restore();
    }
    expect((await stat(log())).size).toBe(size);
    expect(await d.get("kv", "a")).toBe(1);
    expect(await d.get("kv", "big")).toBeUndefined();
    await d.commit([put("b", 3)]);
    await d.close();
    const again = fileStorage({ dir, onRecover: () => expect.fail("the failed write was cut back, nothing to recover") });
    expect((await again.scan("kv")).map((e) => [e.key, e.value])).toEqual([
      ["a", 1],
      ["b", 3],
    ]);
    await again.close();
  });

  test("a failed fsync makes the driver refuse further use (storage_unavailable) until it is opened again", async () => {
    const d = fileStorage({ dir });
    await d.commit([put("a", 1)]);
    const probe = await open(log(), "r");
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const original = proto.datasync;
    proto.datasync = async () => {
      proto.datasync = original;
      throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    };
    try {
      expect(await code(d.commit([put("a", 2)]))).toBe("storage_unavailable");
    } finally {
      proto.datasync = original;
    }
    const error = await d.get("kv", "a").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/fsync .* failed/);
    await d.close();
    const again = fileStorage({ dir });
    expect(await again.get("kv", "a")).toBe(1);
    await again.close();
  });

  test("a directory that cannot be created is storage_unavailable", async () => {
    await writeFile(join(dir, "a-file"), "x");
    const d = fileStorage({ dir: join(dir, "a-file", "sub") });
    expect(await code(d.commit([put("a", 1)]))).toBe("storage_unavailable");
    await d.close();
  });
});

describe("file driver: killed mid-commit", () => {
  const writer = fileURLToPath(new URL("../../../../test/node/storage-crash-writer.ts", import.meta.url));
  const rounds = Number(process.env["STORAGE_CRASH_ROUNDS"] ?? 12);

  test(`${rounds} SIGKILLs at random moments: every batch all-or-nothing, every acknowledged batch kept`, { timeout: 120_000 }, async () => {
    let next = 0;
    let recoveries = 0;
    for (let round = 0; round < rounds; round++) {
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", writer, dir, String(next)], { stdio: ["ignore", "pipe", "pipe"] });
      let acknowledged = -1;
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        const killAt = 20 + Math.floor(Math.random() * 200);
        child.stdout.on("data", (chunk: Buffer) => {
          for (const line of chunk.toString().split("\n")) {
            if (line === "") continue;
            acknowledged = Math.max(acknowledged, Number(line));
            if (++lines === killAt) setTimeout(() => child.kill("SIGKILL"), Math.random() * 5);
          }
        });
        child.once("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`writer exited with ${code}: ${stderr}`))));
      });
      const d = fileStorage({ dir, onRecover: () => recoveries++ });
      const entries = await d.scan("kv", { prefix: keyPrefix("b") });
      const batches = new Map<number, number>();
      for (const { value } of entries) {
        const { i } = value as { i: number };
        batches.set(i, (batches.get(i) ?? 0) + 1);
      }
      for (const [i, count] of batches) expect(count, `batch ${i}`).toBe(10);
      const last = (await d.get("kv", "last")) as number;
      expect(last).toBeGreaterThanOrEqual(acknowledged);
      expect([...batches.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
      await d.close();
      next = last + 1;
    }
    expect(next).toBeGreaterThan(rounds * 20);
    console.log(`file driver crash test: ${rounds} kills, ${next} batches, ${recoveries} torn tails recovered`);
  });
});
