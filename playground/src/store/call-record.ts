/** One call made from the playground, as the call history keeps it (IndexedDB) to show and run again. */
import { isThreadspaceError } from "@threadspace/errors";
import type { InputMode } from "../call-io.ts";
import { playgroundDb, trim } from "./playground-db.ts";

/** How many calls per plugin the history keeps. */
export const HISTORY_SIZE = 100;
/** Output kept per call (the rest is cut, and the record says so). */
const KEPT_OUTPUT = 64 * 1024;

export interface CallRecord {
  readonly id?: number;
  readonly plugin: string;
  readonly export: string;
  readonly input: string;
  readonly mode: InputMode;
  readonly at: number;
  readonly durationMs: number;
  readonly ok: boolean;
  /** The output bytes (cut at 64 KiB) when it succeeded. */
  readonly output?: Uint8Array;
  readonly outputBytes?: number;
  readonly fuel?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The record of a call that returned `bytes`. */
export function succeeded(base: Omit<CallRecord, "ok" | "output" | "outputBytes" | "error">, bytes: Uint8Array, fuel: number | undefined): CallRecord {
  return { ...base, ok: true, output: bytes.slice(0, KEPT_OUTPUT), outputBytes: bytes.byteLength, ...(fuel === undefined ? {} : { fuel }) };
}

/** The record of a call that failed with `error`. */
export function failed(base: Omit<CallRecord, "ok" | "output" | "outputBytes" | "error">, error: unknown): CallRecord {
  const code = isThreadspaceError(error) ? error.code : "error";
  return { ...base, ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
}

/** The call history of every plugin, newest last. */
export const callHistory = {
  async add(record: CallRecord): Promise<void> {
    const db = await playgroundDb();
    await db.add("calls", record);
    await trim(db, "calls", record.plugin, HISTORY_SIZE);
  },
  async list(plugin: string): Promise<CallRecord[]> {
    return (await playgroundDb()).getAllFromIndex("calls", "plugin", plugin);
  },
  async clear(plugin: string): Promise<void> {
    const db = await playgroundDb();
    const tx = db.transaction("calls", "readwrite");
    const keys = await tx.store.index("plugin").getAllKeys(plugin);
    await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  },
};
