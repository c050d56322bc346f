/**
 * Issue 10, items 13 and 14: a hostile bundle directory. A FIFO, device or directory where a file
 * should be must be refused at once (`source_invalid`), not block the engine or the CLI (a FIFO
 * opened for reading waits for a writer, holding a libuv pool thread); a symlink pointing outside
 * the bundle must be refused (the `..` rule on `main` is not bypassed through a link); and no
 * error may quote a file's contents. A symlink inside the bundle that points inside it is allowed
 * (build setups link plugin.wasm to their output).
 *
 * Hangs are caught by the harness's timeout on each test (no timing assertion): on the old code
 * the FIFO cases never settle. Cleanup opens each FIFO for writing, which releases stuck readers.
 */
import { execFileSync } from "node:child_process";
import { constants } from "node:fs";
import { copyFile, mkdir, mkdtemp, open, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine } from "@threadspace/core";
import { isThreadspaceError } from "@threadspace/errors";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { run } from "../../packages/cli/src/cli.ts";
import { captureIo } from "../../packages/cli/src/test-support/capture-io.ts";

const fixtureWasm = fileURLToPath(new URL("../fixtures/build/ok.wasm", import.meta.url));
const SECRET = "TOP-SECRET-CONTENTS-0123456789";
/** The secret's first bytes in hex, as a "starts with ..." message would show them. */
const SECRET_HEX = Array.from(new TextEncoder().encode(SECRET).subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
const TIMEOUT = { timeout: 15_000 };
const canMkfifo = process.platform !== "win32";

let root: string;
let bundle: string;
let fifos: string[] = [];
const engines: Engine[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "threadspace-bundle-files-"));
  bundle = join(root, "bundle");
  await mkdir(bundle);
  await writeFile(join(root, "secret.txt"), SECRET);
});

afterEach(async () => {
  // Release any reader still blocked on a FIFO (the unfixed code), so the process is not left stalled
  // (on Linux an O_RDWR open of a FIFO never blocks and counts as its writer).
  for (const fifo of fifos.splice(0)) {
    const writer = await open(fifo, constants.O_RDWR | constants.O_NONBLOCK).catch(() => undefined);
    await writer?.close();
  }
  for (const engine of engines.splice(0)) await engine.close();
  await rm(root, { recursive: true, force: true });
});

const manifest = (fields: Record<string, unknown> = {}) => JSON.stringify({ name: "ok", version: "1.0.0", interface: "threadspace", ...fields });

async function engine(): Promise<Engine> {
  const created = await createEngine({ logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  engines.push(created);
  return created;
}

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
  fifos.push(path);
}

/** The install's error: a ThreadspaceError with `code`, whose message quotes nothing of the secret. */
async function installError(source: string): Promise<{ code: string; message: string }> {
  const error = await (await engine()).install(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isThreadspaceError(error), `install should fail, got ${String(error)}`).toBe(true);
  const { code, message } = error as { code: string; message: string };
  expect(message).not.toContain(SECRET.slice(0, 6));
  expect(message).not.toContain(SECRET_HEX);
  return { code, message };
}

/** Runs a CLI command on the bundle; it must fail without quoting the secret. */
async function cliFails(args: string[]): Promise<string> {
  const io = captureIo({ cwd: root });
  const code = await run(args, io.io);
  expect(code).not.toBe(0);
  const all = io.stdout() + io.stderr();
  expect(all).not.toContain(SECRET.slice(0, 6));
  expect(all).not.toContain(SECRET_HEX);
  return all;
}

describe.skipIf(!canMkfifo)("bundle files: FIFOs and other non-regular files", () => {
  test("a FIFO plugin.json: install fails with source_invalid, it does not hang", TIMEOUT, async () => {
    mkfifo(join(bundle, "plugin.json"));
    await copyFile(fixtureWasm, join(bundle, "plugin.wasm"));
    const { code, message } = await installError(bundle);
    expect(code).toBe("source_invalid");
    expect(message).toMatch(/FIFO/);
  });

  test("a FIFO plugin.wasm: install fails with source_invalid", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), manifest());
    mkfifo(join(bundle, "plugin.wasm"));
    expect((await installError(bundle)).code).toBe("source_invalid");
  });

  test("four FIFO bundles at once, then an ordinary file read still works (no pool thread is held)", TIMEOUT, async () => {
    const dirs = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const dir = join(root, `fifo-${i}`);
        await mkdir(dir);
        mkfifo(join(dir, "plugin.json"));
        return dir;
      }),
    );
    const e = await engine();
    const results = await Promise.allSettled(dirs.map((dir) => e.install(dir)));
    for (const result of results) expect(result.status === "rejected" && (result.reason as { code?: string }).code).toBe("source_invalid");
    expect(await readFile(join(root, "secret.txt"), "utf8")).toBe(SECRET);
  });

  test("the CLI refuses a FIFO plugin.json (inspect, validate, hash --write, pack, call)", TIMEOUT, async () => {
    mkfifo(join(bundle, "plugin.json"));
    await copyFile(fixtureWasm, join(bundle, "plugin.wasm"));
    for (const args of [["inspect", bundle], ["validate", bundle], ["hash", join(bundle, "plugin.wasm"), "--write", bundle], ["pack", bundle], ["call", bundle, "echo", "x"]]) {
      expect(await cliFails(args)).toMatch(/source_invalid|FIFO/);
    }
  });

  test("a directory as plugin.wasm is refused with source_invalid", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), manifest());
    await mkdir(join(bundle, "plugin.wasm"));
    const { code, message } = await installError(bundle);
    expect(code).toBe("source_invalid");
    expect(message).toMatch(/directory/);
  });
});

describe("bundle files: symlinks", () => {
  test("a plugin.wasm symlinked to a file outside the bundle is refused, and its bytes are not shown", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), manifest());
    await symlink(join(root, "secret.txt"), join(bundle, "plugin.wasm"));
    const { code, message } = await installError(bundle);
    expect(code).toBe("source_invalid");
    expect(message).toMatch(/outside the bundle/);
    for (const args of [["inspect", bundle], ["validate", bundle], ["pack", bundle], ["call", bundle, "echo", "x"]]) await cliFails(args);
  });

  test("a plugin.json symlinked outside the bundle is refused", TIMEOUT, async () => {
    await writeFile(join(root, "elsewhere.json"), manifest());
    await symlink(join(root, "elsewhere.json"), join(bundle, "plugin.json"));
    await copyFile(fixtureWasm, join(bundle, "plugin.wasm"));
    expect((await installError(bundle)).message).toMatch(/outside the bundle/);
    await cliFails(["inspect", bundle]);
  });

  test("a directory symlink inside the bundle leading outside is refused", TIMEOUT, async () => {
    await mkdir(join(root, "out"));
    await writeFile(join(root, "out", "plugin.wasm"), SECRET);
    await symlink(join(root, "out"), join(bundle, "build"));
    await writeFile(join(bundle, "plugin.json"), manifest({ main: "build/plugin.wasm" }));
    expect((await installError(bundle)).message).toMatch(/outside the bundle/);
  });

  test("a symlink inside the bundle pointing inside it is allowed (engine and CLI)", TIMEOUT, async () => {
    await mkdir(join(bundle, "build"));
    await copyFile(fixtureWasm, join(bundle, "build", "release.wasm"));
    await symlink(join("build", "release.wasm"), join(bundle, "plugin.wasm"));
    await writeFile(join(bundle, "plugin.json"), manifest());
    const e = await engine();
    await e.install(bundle);
    expect((await e.call("ok", "echo", "hi")).text()).toBe("hi");
    const io = captureIo({ cwd: root });
    expect(await run(["inspect", bundle], io.io)).toBe(0);
  });
});

describe("bundle files: sizes and contents in errors", () => {
  test("a huge (sparse) plugin.json is refused by its size before it is read", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), "");
    await truncate(join(bundle, "plugin.json"), 2 * 1024 * 1024 * 1024);
    const { code, message } = await installError(bundle);
    expect(code).toBe("source_invalid");
    expect(message).toMatch(/bytes, more than/);
  });

  test("a plugin.json that is not JSON: the error does not quote it", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), SECRET);
    await copyFile(fixtureWasm, join(bundle, "plugin.wasm"));
    expect((await installError(bundle)).code).toBe("manifest_invalid");
    await cliFails(["inspect", bundle]);
    await cliFails(["validate", bundle]);
  });

  test("a plugin.wasm that is not wasm: the error does not show its first bytes", TIMEOUT, async () => {
    await writeFile(join(bundle, "plugin.json"), manifest());
    await writeFile(join(bundle, "plugin.wasm"), SECRET);
    expect((await installError(bundle)).code).toBe("wasm_invalid");
    await cliFails(["inspect", bundle]);
    await cliFails(["validate", bundle]);
  });
});
