// threadspace run: --eval in-process, and the interactive prompt through a real pseudo-terminal
// (test-support/pty-run.py: Python's pty module) with the CLI's bin, as a person types.
import { spawn } from "node:child_process";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";

let root: string;
const BIN = fileURLToPath(new URL("../../bin/threadspace.js", import.meta.url));
const PTY = fileURLToPath(new URL("../test-support/pty-run.py", import.meta.url));

async function cli(...args: string[]) {
  const captured = captureIo({ cwd: root });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "threadspace-run-"));
  expect((await cli("init-plugin", "notes", "--template", "c")).code).toBe(0);
  const built = await cli("build", "notes");
  expect(built.code, built.err).toBe(0);
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe("threadspace run --eval", () => {
  test("calls exports with text and JSON input, seeds memories, grants and revokes, sets config; logs and events on stderr", async () => {
    const result = await cli("run", "notes", "--in-memory", "-e", "seed Buy milk #note\nseed Call Ada #note #todo", "-e", "recall note", "-e", 'greet "Ada"', "-e", "config greeting=Hi", "-e", "greet Bo", "-e", "revoke memory:read", "-e", "memories todo");
    expect(result.out).toMatch(/^memory [0-9a-f-]{36} #note: Buy milk\n/);
    expect(result.out).toMatch(/memory [0-9a-f-]{36} #note #todo: Call Ada\n/);
    expect(result.out).toContain('{\n  "tag": "note",\n  "count": 2\n}\n');
    expect(result.out).toContain("Hello, Ada! (visit #1)\n");
    expect(result.out).toContain("Hi, Bo! (visit #1)\n");
    expect(result.out).toMatch(/[0-9a-f-]{36} #note #todo: Call Ada\n$/);
    expect(result.err).toContain("log info recalled 2 memories tagged note\n");
    expect(result.err).toContain('event notes.recalled {"tag":"note","count":2} (from notes)\n');
    expect(result.err).toMatch(/\(recall: 24 bytes, fuel \d+, [\d.]+ ms\)/);
    expect(result.err).toContain("granted now: config:read, event:emit, kv, log, memory:write\n");
    expect(result.code).toBe(0);
  });

  test("a failed command is reported and the rest still runs; the exit code is 1", async () => {
    const result = await cli("run", "notes", "--in-memory", "-e", "gret Ada", "-e", "recall {bad", "-e", "greet Ada");
    expect(result.err).toContain('unknown command or export "gret". Exports: greet, remember, recall; commands: help.');
    expect(result.err).toContain("the input starts like JSON but is not");
    expect(result.out).toContain("Hello, Ada! (visit #1)");
    expect(result.code).toBe(1);
  });

  test("state is kept in file storage between runs (default .threadspace/run)", async () => {
    expect((await cli("run", "notes", "-e", "greet Ada")).out).toContain("(visit #1)");
    expect((await cli("run", "notes", "-e", "greet Ada")).out).toContain("(visit #2)");
    expect((await cli("run", "notes", "--storage", "elsewhere", "-e", "greet Ada")).out).toContain("(visit #1)");
  });

  test("a .tsp runs too; a missing or wrong target is refused", async () => {
    expect((await cli("pack", "notes", "-o", "notes.tsp")).code).toBe(0);
    expect((await cli("run", "notes.tsp", "--in-memory", "-e", "exports")).out).toBe("greet  remember  recall\n");
    expect((await cli("run", "nowhere")).err).toMatch(/nowhere does not exist: pass a plugin's folder/);
    expect((await cli("run", "notes", "--grant", "some")).err).toMatch(/--grant is requested or none/);
  });
});

/** A CLI process in a pseudo-terminal: type into it, wait for what it prints. */
function terminal(args: string[]) {
  const child = spawn("python3", [PTY, process.execPath, BIN, ...args], { cwd: root, env: { ...process.env, THREADSPACE_CLI_SOURCE: "1", TERM: "xterm", NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  let seen = 0;
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    screen += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (screen += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    get screen() {
      return screen;
    },
    type: (keys: string) => void child.stdin.write(keys),
    /** Waits until `text` appears after what earlier waits consumed. */
    async waitFor(text: string | RegExp, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rest = screen.slice(seen);
        const at = typeof text === "string" ? rest.indexOf(text) : rest.search(text);
        if (at >= 0) {
          seen += at + (typeof text === "string" ? text.length : (rest.match(text)?.[0].length ?? 0));
          return;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; the terminal shows:\n${screen}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    exited,
  };
}

describe("threadspace run (interactive, in a pseudo-terminal)", () => {
  test("a prompt with tab completion of export names, calls, logs and events as they happen, reload when the wasm changes, exit", { timeout: 180_000 }, async () => {
    const term = terminal(["run", "notes", "--in-memory"]);
    await term.waitFor("Threadspace: notes (greet, remember, recall)");
    await term.waitFor("notes> ");
    // Keys arrive one by one, as typed (readline completes asynchronously).
    const typeSlowly = async (...keys: string[]) => {
      for (const key of keys) {
        term.type(key);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    await typeSlowly("gr", "\t", "\t");
    await term.waitFor(/grant\s+greet/); // two candidates: the second tab lists them
    await typeSlowly("e", "\t", " Ada\r"); // "gre" + Tab completes to "greet"
    await term.waitFor("log info greeted Ada");
    await term.waitFor("Hello, Ada! (visit #1)");
    await term.waitFor("notes> ");
    term.type("seed Water the plants #note\r");
    await term.waitFor(/memory [0-9a-f-]{36} #note: Water the plants/);
    await typeSlowly("rec", "\t", " note\r");
    await term.waitFor('event notes.recalled {"tag":"note","count":1} (from notes)');
    // A rebuild (touching the wasm is enough for the watcher) installs the plugin again.
    const now = new Date();
    await utimes(join(root, "notes", "plugin.wasm"), now, now);
    await term.waitFor("reloaded notes: greet, remember, recall");
    term.type("greet Ada\r");
    await term.waitFor("Hello, Ada! (visit #2)");
    term.type("exit\r");
    expect(await term.exited).toBe(0);
  });

  test("without a terminal, command lines come from standard input", async () => {
    const child = spawn(process.execPath, [BIN, "run", "notes", "--in-memory"], { cwd: root, env: { ...process.env, THREADSPACE_CLI_SOURCE: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end("greet Ada\nkv\n");
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(out).toBe("Hello, Ada! (visit #1)\nvisits:Ada = 1\n");
    expect(code).toBe(0);
  }, 120_000);
});
