/**
 * Issue 10, item 5: the file driver's directory lock. Several processes started together on a
 * directory holding a stale lock: exactly one may open it, and no acknowledged write may be lost
 * (two writers on one log overwrite each other's records). A lock is broken only when its holder
 * is proven gone: its pid is dead, or (Linux) the pid now belongs to a process that started at
 * another time, or the machine has rebooted since.
 *
 * Real child processes (test/adversarial/support/lock-contender.ts, bundled once with esbuild so
 * each starts in tens of milliseconds); each trial's winner is killed with SIGKILL after a few
 * acknowledged commits, once every other contender of its trial has given up, so the next trial
 * races on the stale lock it leaves.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { isThreadspaceError } from "@threadspace/errors";
import { key, keyPrefix } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const TRIALS = 20;
const CONTENDERS = 4;
const COMMITS = 5;
const isLinux = process.platform === "linux";

let base: string;
let contender: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "threadspace-adv-lock-"));
  contender = join(base, "lock-contender.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./support/lock-contender.ts", import.meta.url))],
    outfile: contender,
    bundle: true,
    platform: "node",
    format: "esm",
    // The packages' TypeScript sources (their `source` export condition), as the tests run them.
    conditions: ["source"],
    logLevel: "silent",
  });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid as number;
}

interface Contender {
  readonly id: string;
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  readonly ready: Promise<void>;
  /** Refused and exited, or holding the directory. */
  readonly settled: Promise<void>;
  readonly exited: Promise<void>;
}

function startContender(dir: string, id: string): Contender {
  const child = spawn(process.execPath, [contender, dir, id, String(COMMITS)], { stdio: ["pipe", "pipe", "inherit"] });
  const events: Record<string, unknown>[] = [];
  let markReady: () => void = () => {};
  let markSettled: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const settled = new Promise<void>((resolve) => (markSettled = resolve));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => markSettled());
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    const event = JSON.parse(text) as Record<string, unknown>;
    events.push(event);
    if (event["ready"] === true) markReady();
    if (event["holding"] === true) markSettled();
  });
  return { id, child, events, ready, settled, exited };
}

describe("file driver: the directory lock", () => {
  test(`${TRIALS} trials of ${CONTENDERS} processes started together on a stale lock: exactly one opens, no acknowledged write is lost`, { timeout: 180_000 }, async () => {
    const dir = join(base, "race");
    // Trial 0 starts on a LOCK of the old format (a bare pid) left by a dead process.
    await (await import("node:fs/promises")).mkdir(dir);
    await writeFile(join(dir, "LOCK"), String(await deadPid()));
    const acked: string[] = [];
    const winners: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const contenders = Array.from({ length: CONTENDERS }, (_, i) => startContender(dir, `t${trial}c${i}`));
      await Promise.all(contenders.map((c) => c.ready));
      for (const c of contenders) c.child.stdin?.end("go\n");
      await Promise.all(contenders.map((c) => c.settled));
      // The holder dies without closing: its lock stays behind, stale, for the next trial.
      for (const c of contenders) c.child.kill("SIGKILL");
      await Promise.all(contenders.map((c) => c.exited));
      const opened = contenders.filter((c) => c.events.some((e) => e["opened"] === true));
      winners.push(opened.length);
      for (const c of contenders) {
        for (const e of c.events) if (typeof e["ack"] === "number") acked.push(key(c.id, `n${e["ack"]}`));
        const refused = c.events.find((e) => e["refused"] !== undefined);
        if (refused !== undefined) expect(refused["refused"]).toBe("storage_unavailable");
      }
    }
    expect(winners, "processes that opened the directory, per trial").toEqual(Array(TRIALS).fill(1));
    const d = fileStorage({ dir, onRecover: () => {} });
    const kept = new Set((await d.scan("kv")).map((e) => e.key));
    await d.close();
    expect(acked.filter((k) => !kept.has(k)), "acknowledged writes missing").toEqual([]);
    expect(acked.length).toBe(TRIALS * COMMITS);
  });

  test("a lock whose holder is alive is never broken", async () => {
    const dir = await mkdtemp(join(base, "live-"));
    const holder = startContender(dir, "holder");
    await holder.ready;
    // The holder opens, then stays (killed below) with its lock live.
    holder.child.stdin?.end("go\n");
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (holder.events.some((e) => e["opened"] === true)) resolve(clearInterval(check));
      }, 5);
    });
    holder.child.kill("SIGSTOP");
    const d = fileStorage({ dir });
    const error = await d.get("kv", "x").catch((e: unknown) => e);
    expect(isThreadspaceError(error, "storage_unavailable")).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`in use by process ${holder.child.pid}`));
    await d.close();
    holder.child.kill("SIGKILL");
    await holder.exited;
    // Now it is dead: the lock is stale and taken over.
    const after = fileStorage({ dir });
    expect(await after.get("kv", key("holder", "opened"))).toBe(true);
    await after.close();
    expect((await readdir(dir)).filter((name) => name.startsWith("LOCK"))).toEqual([]);
  });

  test.skipIf(!isLinux)("Linux: a lock naming a live pid with another start time (the pid was reused) is stale", async () => {
    const dir = await mkdtemp(join(base, "reused-"));
    // This very process is alive, but it did not start at tick 1 after boot.
    await writeFile(join(dir, "LOCK.1"), JSON.stringify({ pid: process.pid, start: "1", host: hostname() }));
    const d = fileStorage({ dir });
    await d.commit([{ store: "kv", key: "a", value: 1 }]);
    await d.close();
    expect((await readdir(dir)).filter((name) => name.startsWith("LOCK"))).toEqual([]);
  });

  test("a lock from another host, or one that cannot be read, is not broken (it cannot be proven stale here)", async () => {
    for (const content of [JSON.stringify({ pid: await deadPid(), start: null, host: "some-other-host" }), ""]) {
      const dir = await mkdtemp(join(base, "unproven-"));
      await writeFile(join(dir, "LOCK.3"), content);
      const d = fileStorage({ dir });
      const error = await d.scan("kv", { prefix: keyPrefix("x") }).catch((e: unknown) => e);
      expect(isThreadspaceError(error, "storage_unavailable"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/LOCK\.3/);
      await d.close();
    }
  });
});
