/**
 * A child of file-storage-lock.test.ts: waits for "go" on stdin (so that every contender of a
 * trial starts together), then opens a fileStorage directory and, if it got it, makes `commits`
 * commits, printing each one once acknowledged, and then holds the directory until it is killed
 * (the test kills it with SIGKILL, leaving a stale lock). Prints one JSON line per event:
 * {"ready"}, {"opened"}, {"ack": i}, {"holding"}, {"refused": code}.
 *
 * Run: node lock-contender.mjs <dir> <id> <commits>   (bundled by the test with esbuild)
 */
import { createInterface } from "node:readline";
import { key } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";

const [dir, id, commits] = process.argv.slice(2);
if (dir === undefined || id === undefined) throw new Error("usage: lock-contender <dir> <id> <commits>");
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const input = createInterface({ input: process.stdin });
say({ ready: true });
await new Promise<void>((resolve) => input.once("line", () => resolve()));
input.close();

const storage = fileStorage({ dir, compaction: false, onRecover: () => {} });
try {
  await storage.commit([{ store: "kv", key: key(id, "opened"), value: true }]);
} catch (error) {
  say({ refused: (error as { code?: string }).code ?? String(error) });
  await storage.close();
  process.exit(0);
}
say({ opened: true });
for (let i = 0; i < Number(commits ?? 10); i++) {
  await storage.commit([{ store: "kv", key: key(id, `n${i}`), value: i }]);
  say({ ack: i });
}
say({ holding: true });
setInterval(() => {}, 60_000);
