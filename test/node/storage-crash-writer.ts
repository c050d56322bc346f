/**
 * Child process of the file driver's crash test (packages/storage/src/drivers/file.test.ts):
 * commits batches of 10 entries + a `last` marker in a loop, 3 commits in flight, and prints the
 * number of each batch once its commit resolved. The parent kills it with SIGKILL at a random moment.
 *
 * Run: node --conditions=source --import tsx test/node/storage-crash-writer.ts <dir> <first batch>
 */
import { key, type StorageWrite } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";

const [dir, first] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: storage-crash-writer.ts <dir> <first batch>");
const storage = fileStorage({ dir, compaction: { minBytes: 64 * 1024, ratio: 1.5 }, onRecover: () => {} });

const batch = (i: number): StorageWrite[] => [
  ...Array.from({ length: 10 }, (_, j): StorageWrite => ({ store: "kv", key: key("b", i, j), value: { i, j, pad: "x".repeat(j * 40) } })),
  { store: "kv", key: "last", value: i },
];

let next = Number(first ?? 0);
const inFlight = new Set<Promise<void>>();
for (;;) {
  const i = next++;
  const done: Promise<void> = storage.commit(batch(i)).then(() => {
    process.stdout.write(`${i}\n`);
    inFlight.delete(done);
  });
  inFlight.add(done);
  if (inFlight.size >= 3) await Promise.race(inFlight);
}
