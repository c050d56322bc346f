/**
 * Issue 10, item 4: damage in the file driver's log. Only a record at the very end may be taken
 * for a torn write (a crash mid-commit) and cut off; damage before good records is
 * `storage_unavailable`, saying what happened and what to do, and the file is left as it was.
 * `fileStorage({ dir, salvage: true })` then keeps every intact record and moves the damaged
 * file aside. Bits are flipped in length fields, checksums and payloads (fast-check over positions).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { isThreadspaceError } from "@threadspace/errors";
import { keyPrefix, key, type StorageWrite } from "@threadspace/storage";
import { fileStorage, type RecoveryInfo } from "@threadspace/storage/file";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const COMMITS = 40;
const HEADER = 8;

interface Log {
  readonly bytes: Uint8Array;
  /** Each record's [start, end) in the file. */
  readonly records: { start: number; end: number }[];
}

let base: string;
let log: Log;
let runs = 0;

const commit = (i: number): StorageWrite[] => [{ store: "kv", key: key("p", `k${i}`), value: { i, pad: "x".repeat(20 + (i % 7) * 30) } }];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "threadspace-adv-log-"));
  const dir = join(base, "source");
  const d = fileStorage({ dir, compaction: false });
  for (let i = 0; i < COMMITS; i++) await d.commit(commit(i)); // each one acknowledged
  await d.close();
  const bytes = new Uint8Array(await readFile(join(dir, "threadspace.log")));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: { start: number; end: number }[] = [];
  for (let pos = HEADER; pos < bytes.length; ) {
    const end = pos + HEADER + view.getUint32(pos, true);
    records.push({ start: pos, end });
    pos = end;
  }
  expect(records).toHaveLength(COMMITS);
  log = { bytes, records };
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fresh store directory holding the log with one bit flipped at `at`. */
async function damaged(at: number, bit: number): Promise<{ dir: string; bytes: Uint8Array }> {
  const dir = join(base, `run-${runs++}`);
  const bytes = log.bytes.slice();
  bytes[at] = (bytes[at] as number) ^ (1 << bit);
  await rm(dir, { recursive: true, force: true });
  await import("node:fs/promises").then((fs) => fs.mkdir(dir));
  await writeFile(join(dir, "threadspace.log"), bytes);
  return { dir, bytes };
}

/** Opens the store: what it holds, or the error it refused with; and what onRecover was told. */
async function open(dir: string, salvage = false): Promise<{ keys?: string[]; error?: unknown; recovered: RecoveryInfo[] }> {
  const recovered: RecoveryInfo[] = [];
  const d = fileStorage({ dir, compaction: false, onRecover: (info) => recovered.push(info), ...(salvage ? { salvage: true } : {}) });
  try {
    const keys = (await d.scan("kv", { prefix: keyPrefix("p") })).map((e) => e.key);
    return { keys, recovered };
  } catch (error) {
    return { error, recovered };
  } finally {
    await d.close();
  }
}

/** A middle record (at least one good record after it) and a byte of it chosen by `pick` (offset inside the record). */
const middleRecord = fc.integer({ min: 0, max: COMMITS - 2 });

async function expectRefused(at: number, bit: number): Promise<void> {
  const { dir, bytes } = await damaged(at, bit);
  const result = await open(dir);
  expect(result.keys, `flip of bit ${bit} at byte ${at} opened the store with ${result.keys?.length} of ${COMMITS} commits`).toBeUndefined();
  expect(isThreadspaceError(result.error, "storage_unavailable"), String(result.error)).toBe(true);
  const message = (result.error as Error).message;
  expect(message).toMatch(/damaged at byte \d+/);
  expect(message).toMatch(/salvage: true/);
  // Never a silent cut: the file is exactly as it was.
  expect(new Uint8Array(await readFile(join(dir, "threadspace.log")))).toEqual(bytes);
  await rm(dir, { recursive: true, force: true });
}

describe("file driver: damage before good records is never taken for a torn tail", () => {
  test("the issue's attack: a high bit of a middle record's length (it then claims to run past the end of the file)", async () => {
    await expectRefused((log.records[9] as { start: number }).start + 3, 6);
  });

  test("a flipped bit in a middle record's length field", async () => {
    await fc.assert(
      fc.asyncProperty(middleRecord, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }), async (r, byte, bit) => {
        await expectRefused((log.records[r] as { start: number }).start + byte, bit);
      }),
      { numRuns: 60 },
    );
  });

  test("a flipped bit in a middle record's checksum", async () => {
    await fc.assert(
      fc.asyncProperty(middleRecord, fc.integer({ min: 4, max: 7 }), fc.integer({ min: 0, max: 7 }), async (r, byte, bit) => {
        await expectRefused((log.records[r] as { start: number }).start + byte, bit);
      }),
      { numRuns: 30 },
    );
  });

  test("a flipped bit anywhere in a middle record's payload", async () => {
    await fc.assert(
      fc.asyncProperty(middleRecord, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 }), async (r, where, bit) => {
        const { start, end } = log.records[r] as { start: number; end: number };
        await expectRefused(start + HEADER + Math.floor(where * (end - start - HEADER)), bit);
      }),
      { numRuns: 40 },
    );
  });

  test("a flipped bit in the last record never costs an earlier commit, and is never silent", async () => {
    const last = log.records[COMMITS - 1] as { start: number; end: number };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: last.start, max: last.end - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const { dir } = await damaged(at, bit);
        const result = await open(dir);
        if (result.keys !== undefined) {
          expect(result.keys.length).toBeGreaterThanOrEqual(COMMITS - 1);
          if (result.keys.length < COMMITS) expect(result.recovered).toHaveLength(1);
        } else {
          expect(isThreadspaceError(result.error, "storage_unavailable")).toBe(true);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 30 },
    );
  });
});

describe("file driver: salvage", () => {
  test("salvage: true keeps every intact record, moves the damaged file aside, and says so", async () => {
    const r = 17;
    const { dir, bytes } = await damaged((log.records[r] as { start: number }).start + 2, 5); // the length field
    expect((await open(dir)).error).toBeDefined();
    const salvaged = await open(dir, true);
    expect(salvaged.keys).toHaveLength(COMMITS - 1);
    expect(salvaged.keys).not.toContain(key("p", `k${r}`));
    expect(salvaged.recovered).toHaveLength(1);
    const info = salvaged.recovered[0] as RecoveryInfo;
    expect(info.movedTo).toMatch(/threadspace\.log\.damaged-/);
    expect(info.reason).toMatch(/salvage/);
    // The damaged file is kept, byte for byte, beside the new log.
    const aside = (await readdir(dir)).filter((name) => name.startsWith("threadspace.log.damaged-"));
    expect(aside).toHaveLength(1);
    expect(new Uint8Array(await readFile(join(dir, aside[0] as string)))).toEqual(bytes);
    // The new log opens without salvage and takes commits.
    const d = fileStorage({ dir, onRecover: () => expect.fail("nothing left to recover") });
    await d.commit([{ store: "kv", key: key("p", "after"), value: 1 }]);
    expect(await d.get("kv", key("p", "k39"))).toEqual(commit(39)[0]?.value);
    await d.close();
  });

  test("salvage on an intact log changes nothing", async () => {
    const dir = join(base, "intact");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir));
    await writeFile(join(dir, "threadspace.log"), log.bytes);
    const result = await open(dir, true);
    expect(result.keys).toHaveLength(COMMITS);
    expect(result.recovered).toEqual([]);
    expect(new Uint8Array(await readFile(join(dir, "threadspace.log")))).toEqual(log.bytes);
  });
});
