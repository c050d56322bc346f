/**
 * The page of the IndexedDB crash test (idb-crash.ts), bundled with esbuild: writes batches of
 * 10 entries + a `last` marker through `indexedDbStorage` in a loop, 3 commits in flight, and
 * reports each batch once its commit resolved; `check` reads the store back after a relaunch.
 */
import { indexedDbStorage, key, keyPrefix, type StorageWrite } from "@threadspace/storage";

const batch = (i: number): StorageWrite[] => [
  ...Array.from({ length: 10 }, (_, j): StorageWrite => ({ store: "kv", key: key("b", i, j), value: { i, j, pad: "x".repeat(j * 40) } })),
  { store: "kv", key: "last", value: i },
];

declare global {
  interface Window {
    acked(i: number): void;
    startWriting(name: string, first: number): void;
    check(name: string): Promise<{ existed: boolean; batches: number; partial: number[]; last: number | undefined; max: number }>;
  }
}

window.startWriting = (name, first) => {
  const storage = indexedDbStorage({ name });
  let next = first;
  const inFlight = new Set<Promise<void>>();
  void (async () => {
    for (;;) {
      const i = next++;
      const done: Promise<void> = storage.commit(batch(i)).then(() => {
        window.acked(i);
        inFlight.delete(done);
      });
      inFlight.add(done);
      if (inFlight.size >= 3) await Promise.race(inFlight);
    }
  })();
};

window.check = async (name) => {
  const existed = (await indexedDB.databases()).some((db) => db.name === name);
  const storage = indexedDbStorage({ name });
  const entries = await storage.scan("kv", { prefix: keyPrefix("b") });
  const counts = new Map<number, number>();
  for (const { value } of entries) {
    const i = (value as { i: number }).i;
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const last = (await storage.get("kv", "last")) as number | undefined;
  await storage.close();
  return { existed, batches: counts.size, partial: [...counts].filter(([, n]) => n !== 10).map(([i]) => i), last, max: Math.max(-1, ...counts.keys()) };
};
