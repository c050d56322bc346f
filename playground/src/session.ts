/**
 * The playground's engine: the real `@threadspace/core` engine in this page, keeping installed
 * plugins, grants, config, memories, threads and key-value state in IndexedDB so that they come
 * back after a reload.
 */
import { createEngine, type Engine } from "@threadspace/core";
import { deleteIndexedDbStorage, indexedDbStorage } from "@threadspace/storage";

/** The IndexedDB database the playground keeps its engine's state in. */
export const DATABASE = "threadspace-playground";
/** Set once the example plugins were preinstalled, so that uninstalling them sticks. */
const SEEDED_KEY = "threadspace-playground:examples-installed";

/** Opens the engine on the playground's database (restoring what was installed before). */
export function openEngine(): Promise<Engine> {
  return createEngine({ storage: indexedDbStorage({ name: DATABASE }), logLevel: "info" });
}

/** True until the example plugins have been preinstalled once in this browser. */
export function firstVisit(): boolean {
  return localStorage.getItem(SEEDED_KEY) === null;
}

/** Remembers that the examples were preinstalled. */
export function markVisited(): void {
  localStorage.setItem(SEEDED_KEY, String(Date.now()));
}

/** Closes the engine, deletes everything the playground stored, and reloads the page. */
export async function resetPlayground(engine: Engine | undefined): Promise<void> {
  await engine?.close().catch(() => undefined);
  await deleteIndexedDbStorage(DATABASE);
  localStorage.removeItem(SEEDED_KEY);
  location.reload();
}
