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

/** What `check` found: the store's batches, or the error the driver reported instead of opening it. */
export type CheckResult =
  | { existed: boolean; batches: number; partial: number[]; last: number | undefined; max: number; reported?: undefined }
  | { existed: boolean; reported: { code: string; message: string } };

declare global {
  interface Window {
    acked(i: number): void;
    startWriting(name: string, first: number): void;
    check(name: string): Promise<CheckResult>;
    reset(name: string): Promise<string[]>;
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
  // (indexedDB.databases() itself rejects with UnknownError when the backing store cannot be opened.)
  const existed = await indexedDB.databases().then(
    (list) => list.some((db) => db.name === name),
    () => false,
  );
  const storage = indexedDbStorage({ name });
  try {
    const entries = await storage.scan("kv", { prefix: keyPrefix("b") });
    const counts = new Map<number, number>();
    for (const { value } of entries) {
      const i = (value as { i: number }).i;
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const last = (await storage.get("kv", "last")) as number | undefined;
    return { existed, batches: counts.size, partial: [...counts].filter(([, n]) => n !== 10).map(([i]) => i), last, max: Math.max(-1, ...counts.keys()) };
  } catch (error) {
    // The driver refusing the store (unopenable, discarded) must say so with a ThreadspaceError.
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { existed, reported: { code: String(code ?? (error as Error)?.name ?? "unknown"), message: String(message ?? error) } };
  } finally {
    await storage.close();
  }
};

/** Starts over after a reported damage, the way an embedder would: `onDamaged: () => "delete"`. Returns the reasons it was told. */
window.reset = async (name) => {
  const reasons: string[] = [];
  const storage = indexedDbStorage({ name, onDamaged: (damage) => (reasons.push(damage.reason), "delete") });
  try {
    await storage.scan("kv", { limit: 1 });
  } finally {
    await storage.close();
  }
  return reasons;
};
