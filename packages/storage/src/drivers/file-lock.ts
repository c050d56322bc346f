import { constants } from "node:fs";
import { link, open, readFile, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { unavailable } from "../errors.ts";
import { fsError } from "./file-errors.ts";

/**
 * The directory lock of the file driver.
 *
 * A lock is a file `LOCK.<n>` holding its owner's identity: pid, the process's start time and the
 * boot id (Linux, from /proc), and the host name. It is created atomically and exclusively with
 * `link()` from a complete temporary file, so a reader never sees it half written. To take the
 * directory a process lists the locks: a live one refuses; a stale one is never removed in place
 * (two processes could each remove the other's fresh lock); instead the process creates the next
 * generation `LOCK.<n+1>` (exclusive: one process per name wins), then lists again, and holds the
 * directory only if every other lock is proven stale, else it removes its own and retries after a
 * random pause. Whoever creates a lock later sees the earlier one, so two holders cannot both pass.
 *
 * A lock is proven stale when its host is this host and: its pid is not running; or (Linux) that
 * pid now has another start time, or the machine was rebooted since (boot id). Where /proc is
 * missing (macOS, Windows) only a dead pid proves it; a lock whose pid was reused by another
 * process then stays until removed by hand (the error says which file). A lock from another host
 * (a shared volume), or one that cannot be read, is never broken.
 * The legacy `LOCK` file of earlier versions (a bare pid) is read the same way, without a start time.
 */

const LOCK_NAME = /^LOCK(?:\.(\d+))?$/;
const ATTEMPTS = 8;

/** Directories open in this process, with the lock file each holds (a second driver on one would corrupt it). */
const held = new Map<string, string>();
/** This process's identity in its lock files; `nonce` tells its live locks from ones a former process with its pid left. */
const NONCE = Math.random().toString(36).slice(2);

interface Identity {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22); null where unknown. */
  readonly start: string | null;
  /** /proc/sys/kernel/random/boot_id; null where unknown. */
  readonly boot?: string | null;
  readonly host: string;
  readonly nonce?: string | undefined;
}

/** Reads what /proc says about a process; undefined where there is no /proc or no such process. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; field 22 is the start time.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let bootId: Promise<string | null> | undefined;
function currentBoot(): Promise<string | null> {
  bootId ??= readFile("/proc/sys/kernel/random/boot_id", "utf8").then(
    (text) => text.trim(),
    () => null,
  );
  return bootId;
}

async function ownIdentity(): Promise<Identity> {
  return { pid: process.pid, start: (await startTimeOf(process.pid)) ?? null, boot: await currentBoot(), host: hostname(), nonce: NONCE };
}

function parseIdentity(text: string, legacy: boolean): Identity | undefined {
  if (legacy) {
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, start: null, boot: null, host: hostname() } : undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<Identity>;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0 || typeof value.host !== "string") return undefined;
    return { pid: value.pid as number, start: typeof value.start === "string" ? value.start : null, boot: typeof value.boot === "string" ? value.boot : null, host: value.host, nonce: typeof value.nonce === "string" ? value.nonce : undefined };
  } catch {
    return undefined;
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** What a lock file says: `stale` only when proven; `gone` when it disappeared while we looked. */
async function statusOf(path: string, legacy: boolean): Promise<{ state: "stale" | "gone" } | { state: "live"; why: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { state: "gone" };
    return { state: "live", why: `${path} cannot be read (${String((error as Error).message)})` };
  }
  const holder = parseIdentity(text, legacy);
  if (holder === undefined) return { state: "live", why: `${path} does not name its holder (written by something else, or cut short); if no Threadspace uses this directory, delete it` };
  if (holder.host !== hostname()) return { state: "live", why: `it is in use by process ${holder.pid} on host ${holder.host} (see ${path}); a lock of another host cannot be checked from here: delete it if that process is gone` };
  const boot = await currentBoot();
  if (holder.boot != null && boot !== null && holder.boot !== boot) return { state: "stale" };
  // Our own pid: live only if this process holds it now (else a former process with this pid left it).
  if (holder.pid === process.pid) return holder.nonce === NONCE ? { state: "live", why: `it is already open in this process (${path})` } : { state: "stale" };
  if (!pidRunning(holder.pid)) return { state: "stale" };
  if (holder.start !== null) {
    const now = await startTimeOf(holder.pid);
    if (now !== undefined && now !== holder.start) return { state: "stale" };
  }
  return { state: "live", why: `it is in use by process ${holder.pid} (see ${path}); stop it, or delete that file if the process is not a Threadspace` };
}

async function listLocks(dir: string): Promise<{ name: string; generation: number }[]> {
  const names = await readdir(dir);
  const out: { name: string; generation: number }[] = [];
  for (const name of names) {
    const match = LOCK_NAME.exec(name);
    if (match !== null) out.push({ name, generation: match[1] === undefined ? 0 : Number(match[1]) });
  }
  return out;
}

/** Creates `path` exclusively with `content` complete from the start (link of a temporary file; `wx` where hard links fail). */
async function createExclusive(dir: string, path: string, content: string): Promise<boolean> {
  const temp = join(dir, `.lock-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await writeFile(temp, content, { flag: "wx" });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
    // No hard links here: create it exclusively and write it (a reader may see it empty: "not proven stale").
    try {
      const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      await file.writeFile(content);
      await file.close();
      return true;
    } catch (fallback) {
      if ((fallback as { code?: string }).code === "EEXIST") return false;
      throw fallback;
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 40));

/** Takes the directory's lock (see the module comment); throws `storage_unavailable` saying who holds it. */
export async function lock(dir: string): Promise<void> {
  if (held.has(dir)) throw unavailable("file", `${dir} is already open in this process; close the other driver first.`);
  held.set(dir, "");
  try {
    const identity = JSON.stringify(await ownIdentity());
    for (let attempt = 0; ; attempt++) {
      let top = 0;
      for (const { name, generation } of await listLocks(dir)) {
        const status = await statusOf(join(dir, name), generation === 0 && name === "LOCK");
        if (status.state === "live") throw unavailable("file", `${dir}: ${status.why}.`);
        top = Math.max(top, generation);
      }
      const mine = join(dir, `LOCK.${top + 1}`);
      if (await createExclusive(dir, mine, identity)) {
        held.set(dir, mine);
        const others = (await listLocks(dir)).filter(({ name }) => join(dir, name) !== mine);
        const statuses = await Promise.all(others.map(async ({ name, generation }) => ({ path: join(dir, name), status: await statusOf(join(dir, name), generation === 0 && name === "LOCK") })));
        const contested = statuses.find(({ status }) => status.state === "live");
        if (contested === undefined) {
          // Ours: the proven-stale locks can go (a dead holder never comes back).
          for (const { path, status } of statuses) if (status.state === "stale") await rm(path, { force: true });
          return;
        }
        held.set(dir, "");
        await unlink(mine).catch(() => {});
        if (attempt + 1 >= ATTEMPTS) throw unavailable("file", `${dir}: ${(contested.status as { why: string }).why}.`);
      } else if (attempt + 1 >= ATTEMPTS) {
        throw unavailable("file", `${dir}: another process keeps taking its lock at the same time; retry.`);
      }
      await pause();
    }
  } catch (failure) {
    held.delete(dir);
    throw fsError(failure, `could not take the lock of ${dir}`); // (ThreadspaceErrors pass through unchanged)
  }
}

/** Releases what {@link lock} took. */
export async function unlock(dir: string): Promise<void> {
  const path = held.get(dir);
  if (path === undefined) return;
  held.delete(dir);
  if (path !== "") await rm(path, { force: true }).catch(() => {});
}
