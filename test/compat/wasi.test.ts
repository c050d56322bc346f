/**
 * WASI as the engine serves it (docs/compat.md "WASI"): stdout/stderr into the plugin's log
 * (`createEngine({ wasi: { output } })`, Extism's `enableWasiOutput`), and read-only mounts in
 * Node (`wasi.allowedPaths`), side by side with raw @extism/extism where both can run the case.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, isThreadspaceError } from "@threadspace/core";
import { buildCompatPlugins, compatWasm, rawSide, threadspaceSide } from "./support/sides.ts";

let dir: string;
beforeAll(() => {
  buildCompatPlugins();
  dir = mkdtempSync(join(tmpdir(), "threadspace-wasi-"));
  writeFileSync(join(dir, "note.txt"), "mounted text");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wasiLines = (side: Awaited<ReturnType<typeof threadspaceSide>>) =>
  side.engine
    .logs(side.name)
    .filter((entry) => entry.fields?.["wasi"] !== undefined)
    .map((entry) => `${entry.level} ${String(entry.fields?.["wasi"])} ${entry.message}`);

const MODES = ["inline", "worker", "pool"] as const;
const isolation = (mode: (typeof MODES)[number]) => ({ limits: { isolation: mode } });

describe("WASI output", () => {
  it("sends stdout and stderr lines to the plugin's log, with the same answer as raw Extism's enableWasiOutput", async () => {
    const raw = await rawSide({ main: "wasi-hello", wasi: true }, { enableWasiOutput: true });
    const threadspace = await threadspaceSide({ main: "wasi-hello", wasi: true }, { wasi: { output: true } });
    try {
      const expected = await raw.call("hello");
      expect(expected).toEqual({ ok: true, text: "ok" });
      expect(await threadspace.call("hello")).toEqual(expected);
      expect(wasiLines(threadspace)).toEqual(["info stdout ready", "info stdout hello from wasi", "warn stderr oops"]);
    } finally {
      await raw.close();
      await threadspace.close();
    }
  });

  it.each(["worker", "pool"] as const)("sends the lines of a plugin in a %s to the engine's log, in the call that wrote them", async (mode) => {
    const threadspace = await threadspaceSide({ main: "wasi-hello", wasi: true }, { wasi: { output: true } }, isolation(mode));
    try {
      expect(await threadspace.call("hello")).toEqual({ ok: true, text: "ok" });
      // Written while the instance started (outside a call: posted), then during the call (before it returned).
      expect(wasiLines(threadspace)).toEqual(["info stdout ready", "info stdout hello from wasi", "warn stderr oops"]);
      const recorded = await threadspace.engine.call(threadspace.name, "hello", "", { record: true });
      expect(recorded.trace?.logs.map((line) => line.message)).toEqual(["hello from wasi", "oops"]);
    } finally {
      await threadspace.close();
    }
  });

  it.each(MODES)("keeps the host's descriptors when the plugin closes its stdout (%s)", async (mode) => {
    const threadspace = await threadspaceSide({ main: "wasi-hello", wasi: true }, { wasi: { output: true } }, isolation(mode));
    try {
      expect(await threadspace.call("closed")).toEqual({ ok: true, text: "ok" });
      expect(await threadspace.call("closed")).toEqual({ ok: true, text: "ok" });
      expect(wasiLines(threadspace)).toEqual(["info stdout ready", "info stdout after close", "info stdout after close"]);
    } finally {
      await threadspace.close();
    }
  });

  it("discards the output by default, as raw Extism does", async () => {
    const threadspace = await threadspaceSide({ main: "wasi-hello", wasi: true });
    try {
      expect(await threadspace.call("hello")).toEqual({ ok: true, text: "ok" });
      expect(wasiLines(threadspace)).toEqual([]);
      expect(threadspace.engine.logs(threadspace.name).map((entry) => entry.message).join("\n")).not.toContain("hello from wasi");
    } finally {
      await threadspace.close();
    }
  });

  it("asks per plugin when output is a function", async () => {
    const asked: string[] = [];
    const threadspace = await threadspaceSide({ main: "wasi-hello", wasi: true }, { wasi: { output: (plugin) => (asked.push(plugin), false) } });
    try {
      expect(await threadspace.call("hello")).toEqual({ ok: true, text: "ok" });
      expect(asked).toEqual(["compat-wasi-hello"]);
      expect(wasiLines(threadspace)).toEqual([]);
    } finally {
      await threadspace.close();
    }
  });

  it("notes that output cannot be captured under Extism's runInWorker, and still runs the plugin there", async () => {
    const warnings: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    // wasi-files: its _initialize is empty (rc13's runInWorker cannot serve a host call, such as the meter's refuel, while the instance starts).
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, { wasi: { output: true }, logger, isolation: { transport: "extism" } }, isolation("worker"));
    try {
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "errno 08" });
      expect(warnings.join("\n")).toContain("runInWorker");
      expect(wasiLines(threadspace)).toEqual([]);
    } finally {
      await threadspace.close();
    }
  });
});

describe("read-only WASI mounts (Node)", () => {
  const mounted = (plugin?: string) => ({ wasi: { allowedPaths: (name: string) => (plugin === undefined || name === plugin ? { "/data": dir } : {}) } });

  it("reads a mounted file, as raw Extism does with allowedPaths", async () => {
    const raw = await rawSide({ main: "wasi-files", wasi: true }, { allowedPaths: { "/data": dir } });
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, mounted());
    try {
      const expected = await raw.call("read", "note.txt");
      expect(expected).toEqual({ ok: true, text: "mounted text" });
      expect(await threadspace.call("read", "note.txt")).toEqual(expected);
    } finally {
      await raw.close();
      await threadspace.close();
    }
  });

  it.each(MODES)("fails every write inside the plugin (EROFS) and changes nothing on disk (%s)", async (mode) => {
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, mounted(), isolation(mode));
    try {
      expect(await threadspace.call("create", "new.txt")).toEqual({ ok: true, text: "errno 69" });
      expect(await threadspace.call("create", "note.txt")).toEqual({ ok: true, text: "errno 69" });
      // Opened without write rights: the write itself is refused.
      expect(await threadspace.call("write", "note.txt")).toEqual({ ok: true, text: "errno 69" });
      expect(await threadspace.call("mkdir", "sub")).toEqual({ ok: true, text: "errno 69" });
      expect(await threadspace.call("unlink", "note.txt")).toEqual({ ok: true, text: "errno 69" });
      expect(await threadspace.call("read", "../../etc/hostname")).toMatchObject({ ok: true, text: expect.stringMatching(/^errno \d\d$/) });
      expect(readdirSync(dir)).toEqual(["note.txt"]);
      expect(readFileSync(join(dir, "note.txt"), "utf8")).toBe("mounted text");
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "mounted text" });
    } finally {
      await threadspace.close();
    }
  });

  it.each(MODES)("does not follow a symlink out of the mount (node:wasi would: ENOTCAPABLE) (%s)", async (mode) => {
    const outside = mkdtempSync(join(tmpdir(), "threadspace-outside-"));
    const inside = mkdtempSync(join(tmpdir(), "threadspace-mount-"));
    writeFileSync(join(outside, "secret.txt"), "secret");
    symlinkSync(join(outside, "secret.txt"), join(inside, "link.txt"));
    symlinkSync(outside, join(inside, "dirlink"));
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, { wasi: { allowedPaths: { "/data": inside } } }, isolation(mode));
    try {
      expect(await threadspace.call("read", "link.txt")).toEqual({ ok: true, text: "errno 76" });
      expect(await threadspace.call("read", "dirlink/secret.txt")).toEqual({ ok: true, text: "errno 76" });
    } finally {
      await threadspace.close();
      rmSync(outside, { recursive: true, force: true });
      rmSync(inside, { recursive: true, force: true });
    }
  });

  it("mounts nothing for a plugin the embedder does not grant", async () => {
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, mounted("someone-else"));
    try {
      // No preopened fd 3: EBADF (8).
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "errno 08" });
    } finally {
      await threadspace.close();
    }
  });

  it.each(["worker", "pool"] as const)("reads a mounted file in a %s, as inline", async (mode) => {
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, mounted(), isolation(mode));
    try {
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "mounted text" });
    } finally {
      await threadspace.close();
    }
  });

  it("keeps each pooled plugin to its own mount: a neighbour in the same pool granted none sees none", async () => {
    const threadspace = await threadspaceSide({ main: "wasi-files", wasi: true }, { ...mounted("compat-wasi-files"), isolation: { poolSize: 1 } }, isolation("pool"));
    try {
      await threadspace.engine.install({ manifest: { name: "neighbour", version: "1.0.0", interface: "extism", limits: { isolation: "pool" } }, wasm: compatWasm("wasi-files") });
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "mounted text" });
      expect((await threadspace.engine.call("neighbour", "read", "note.txt")).text()).toBe("errno 08");
      expect(await threadspace.call("read", "note.txt")).toEqual({ ok: true, text: "mounted text" });
    } finally {
      await threadspace.close();
    }
  });

  it("refuses a mount under Extism's runInWorker (its own WASI), at install, with bad_input", async () => {
    const error = await threadspaceSide({ main: "wasi-files", wasi: true }, { ...mounted(), isolation: { transport: "extism" } }, isolation("worker")).catch((e: unknown) => e);
    expect(isThreadspaceError(error, "bad_input")).toBe(true);
    expect(String((error as Error).message)).toContain("runInWorker");
  });

  it.each(MODES)("refuses a host directory that does not exist (%s), and a relative guest path", async (mode) => {
    const missing = await threadspaceSide({ main: "wasi-files", wasi: true }, { wasi: { allowedPaths: { "/data": join(dir, "missing") } } }, isolation(mode)).catch((e: unknown) => e);
    expect(isThreadspaceError(missing, "bad_input")).toBe(true);
    expect(String((missing as Error).message)).toContain("is not a directory");
    await expect(createEngine({ wasi: { allowedPaths: { data: dir } } })).rejects.toThrow(/absolute guest path/);
  });
});
