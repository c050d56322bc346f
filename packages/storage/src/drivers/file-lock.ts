import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { unavailable } from "../errors.ts";
import { fsError } from "./file-errors.ts";

const LOCK_FILE = "LOCK";

/** Directories open in this process (a second driver on one of them would corrupt it). */
const openDirs = new Set<string>();

/** Takes the directory's LOCK file (holding our pid); a LOCK of a dead process is taken over. */
export async function lock(dir: string): Promise<void> {
  if (openDirs.has(dir)) throw unavailable("file", `${dir} is already open in this process; close the other driver first.`);
  openDirs.add(dir);
  const path = join(dir, LOCK_FILE);
  try {
    await writeFile(path, String(process.pid), { flag: "wx" });
  } catch (error) {
    try {
      if ((error as { code?: string }).code !== "EEXIST") throw fsError(error, `could not create ${path}`);
      const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw unavailable("file", `${dir} is in use by process ${holder} (see ${path}); stop it, or delete the LOCK file if that process is not a Threadspace.`);
      }
      await writeFile(path, String(process.pid)); // a stale lock of a dead process: take it over
    } catch (failure) {
      openDirs.delete(dir);
      throw fsError(failure, `could not take ${path}`); // (ThreadspaceErrors pass through unchanged)
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Releases what {@link lock} took. */
export async function unlock(dir: string): Promise<void> {
  if (!openDirs.delete(dir)) return;
  await rm(join(dir, LOCK_FILE), { force: true }).catch(() => {});
}
