/**
 * bench/storage/driver.ts: commits per second of the storage drivers alone (no engine), with 0, 1
 * and 10 writes per commit, side by side in one run. Each write is a memory-like record of about
 * 200 bytes under its own key (puts that grow the store). Commits are awaited one after another,
 * as the engine commits one plugin's calls; "8 in flight" keeps 8 commits pending at once (calls
 * of several plugins), where the file driver shares one write and one fsync among them.
 *
 * Run: npx tsx --conditions=source bench/storage/driver.ts   (ROUNDS=5 MS=300 by default)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { key, memoryStorage, type StorageDriver, type StorageWrite } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";
import { fixed, machineLine, median, sideBySide } from "../lib/measure.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const MS = Number(process.env["MS"] ?? 300); // time per contender per round
const dirs: string[] = [];

let serial = 0;
const record = (i: number) => ({
  id: `m${i}`,
  content: "A memory of moderate length, with a few words in it, written by a plugin call.",
  tags: ["bench", "memory"],
  createdAt: 1_700_000_000_000 + i,
  updatedAt: 1_700_000_000_000 + i,
  owner: "bench",
});
const batchOf = (writes: number): StorageWrite[] =>
  Array.from({ length: writes }, () => {
    const i = serial++;
    return { store: "memories", key: key("bench", i), value: record(i) };
  });

/** Commits per second over about MS milliseconds, `inFlight` commits pending at a time. */
async function rate(driver: StorageDriver, writes: number, inFlight: number): Promise<number> {
  let commits = 0;
  const start = performance.now();
  const deadline = start + MS;
  const worker = async () => {
    while (performance.now() < deadline) {
      await driver.commit(batchOf(writes));
      commits++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return commits / ((performance.now() - start) / 1000);
}

async function fileDriver(durability: "strict" | "relaxed"): Promise<StorageDriver> {
  const dir = await mkdtemp(join(tmpdir(), "threadspace-bench-"));
  dirs.push(dir);
  return fileStorage({ dir, durability });
}

const drivers: Record<string, StorageDriver> = {
  memory: memoryStorage(),
  "file strict": await fileDriver("strict"),
  "file relaxed": await fileDriver("relaxed"),
};
const contenders: Record<string, () => Promise<number>> = {};
for (const writes of [0, 1, 10]) {
  for (const [name, driver] of Object.entries(drivers)) contenders[`${name}|${writes}|1`] = () => rate(driver, writes, 1);
  contenders[`file strict|${writes}|8`] = () => rate(drivers["file strict"] as StorageDriver, writes, 8);
}
for (const run of Object.values(contenders)) await run(); // warm-up
const results = await sideBySide(ROUNDS, contenders);

const show = (perSecond: number) => (perSecond >= 10_000 ? `${fixed(perSecond / 1000, 0)}k/s` : `${fixed(perSecond, 0)}/s`);
const cell = (name: string, writes: number, inFlight = 1) => {
  const perSecond = median(results[`${name}|${writes}|${inFlight}`] as number[]);
  return `${show(perSecond)} (${fixed(1_000_000 / perSecond, 1)} µs)`;
};
console.log(`## storage drivers (${machineLine()}, ${new Date().toISOString().slice(0, 10)})`);
console.log(`Commits per second (µs per commit), median of ${ROUNDS} rounds of ${MS} ms, order rotating; writes are ~200-byte memory records.`);
console.log("");
console.log("| writes per commit | memory | file strict (fdatasync) | file strict, 8 in flight | file relaxed (no fsync) |");
console.log("|---|---|---|---|---|");
for (const writes of [0, 1, 10]) console.log(`| ${writes} | ${cell("memory", writes)} | ${cell("file strict", writes)} | ${cell("file strict", writes, 8)} | ${cell("file relaxed", writes)} |`);

console.log("");
for (const [name, driver] of Object.entries(drivers)) {
  const info = "info" in driver ? await (driver as { info(): Promise<{ fileBytes: number; compactions: number }> }).info() : undefined;
  if (info !== undefined) console.log(`${name}: log of ${fixed(info.fileBytes / 1024 / 1024, 1)} MiB after the run (every write a new key, so nothing to compact: ${info.compactions} compactions).`);
  await driver.close();
}
for (const dir of dirs) await rm(dir, { recursive: true, force: true });
