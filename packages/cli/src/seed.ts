import { readFile } from "node:fs/promises";
import type { AppendInput, Engine, MemoryInput } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";

/** The largest seed file `--seed` reads (16 MiB). */
export const MAX_SEED_BYTES = 16 * 1024 * 1024;

/**
 * What `--seed <file.json>` puts in the engine before the call, as an embedder would:
 * `{ "memories": [{ "id"?, "content", "tags"?, "threadId"? }], "threads": [{ "id"?, "title"?, "entries": [{ "content", "author"? }] }] }`.
 */
export interface SeedFile {
  /** Checked by `engine.memories.put` as it checks any embedder input (`bad_input` naming the field). */
  readonly memories?: readonly MemoryInput[];
  /** Entries are checked by `engine.threads.append`. */
  readonly threads?: readonly { readonly id?: string; readonly title?: string; readonly entries?: readonly Omit<AppendInput, "threadId">[] }[];
}

function seedError(path: string, message: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("bad_input", `--seed ${path}: ${message}`, { cause });
}

/** Reads a seed file and puts its memories and threads into the engine. Returns what it added. */
export async function applySeed(engine: Engine, path: string): Promise<{ memories: number; threads: number; entries: number }> {
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw seedError(path, `cannot read it (${cause instanceof Error ? cause.message : String(cause)}).`, cause);
  });
  if (bytes.byteLength > MAX_SEED_BYTES) throw seedError(path, `it is ${bytes.byteLength} bytes; at most ${MAX_SEED_BYTES} are read.`);
  let seed: SeedFile;
  try {
    seed = JSON.parse(new TextDecoder().decode(bytes)) as SeedFile;
  } catch (cause) {
    throw seedError(path, `it is not JSON (${cause instanceof Error ? cause.message : String(cause)}).`, cause);
  }
  if (typeof seed !== "object" || seed === null || Array.isArray(seed)) throw seedError(path, 'expected an object like { "memories": [...], "threads": [...] }.');
  const counts = { memories: 0, threads: 0, entries: 0 };
  for (const memory of seed.memories ?? []) {
    engine.memories.put(memory);
    counts.memories++;
  }
  for (const thread of seed.threads ?? []) {
    const created = engine.threads.create({ ...(thread.id === undefined ? {} : { id: thread.id }), ...(thread.title === undefined ? {} : { title: thread.title }) });
    counts.threads++;
    for (const entry of thread.entries ?? []) {
      engine.threads.append({ ...entry, threadId: created.id });
      counts.entries++;
    }
  }
  return counts;
}
