/**
 * The playground's engine: the real `@threadspace/core` engine in a Web Worker
 * (`engine/engine-worker.ts`), reached through `@threadspace/worker`'s `connectEngine`. It keeps
 * installed plugins, grants, config, memories, threads and key-value state in IndexedDB so that
 * they come back after a reload.
 */
import { deleteIndexedDbStorage } from "@threadspace/storage";
import { connectEngine, type RemoteEngine } from "@threadspace/worker";
import { ENGINE_DB } from "./engine/engine-db.ts";
import { PLAYGROUND_DB } from "./store/playground-db.ts";

/** Set once the example plugins were preinstalled, so that uninstalling them sticks. */
const SEEDED_KEY = "threadspace-playground:examples-installed";

/** Starts the engine worker and connects to it (the worker restores what was installed before). */
export function openEngine(): Promise<RemoteEngine> {
  const worker = new Worker(new URL("./engine/engine-worker.ts", import.meta.url), { type: "module", name: "threadspace-engine" });
  return connectEngine(worker);
}

/** Closes the engine (it stores what it holds) and ends its worker. */
export async function closeEngine(engine: RemoteEngine): Promise<void> {
  await engine.close().catch(() => undefined);
  engine.terminate();
}

/** True until the example plugins have been preinstalled once in this browser. */
export function firstVisit(): boolean {
  return localStorage.getItem(SEEDED_KEY) === null;
}

/** Remembers that the examples were preinstalled. */
export function markVisited(): void {
  localStorage.setItem(SEEDED_KEY, String(Date.now()));
}

/** Closes the engine, deletes everything the playground stored (engine and page), and reloads the page. */
export async function resetPlayground(engine: RemoteEngine | undefined): Promise<void> {
  if (engine !== undefined) await closeEngine(engine);
  await deleteIndexedDbStorage(ENGINE_DB);
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(PLAYGROUND_DB);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  localStorage.removeItem(SEEDED_KEY);
  location.reload();
}
