import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ThreadspaceError } from "@threadspace/errors";
import type { CliIo } from "../io.ts";

/** A test file `threadspace test` hands to Vitest: tests/**\/*.test.{ts,js,mjs}. */
const TEST_FILE = /\.test\.(ts|js|mjs)$/;
const CONFIG = fileURLToPath(new URL("./plugin-vitest.config.js", import.meta.url));

/** The Vitest test files of a plugin folder (tests/, recursively), relative to it. */
export function vitestFiles(dir: string): string[] {
  const tests = join(dir, "tests");
  if (!existsSync(tests)) return [];
  return (readdirSync(tests, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile() && TEST_FILE.test(entry.name) && !entry.parentPath.split(/[\\/]/).includes("node_modules"))
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Vitest's entry script: from the plugin's folder first, else the one installed with the CLI. */
function vitestEntry(dir: string): string | undefined {
  for (const from of [join(dir, "package.json"), fileURLToPath(import.meta.url)]) {
    try {
      const pkg = createRequire(from).resolve("vitest/package.json");
      const bin = (JSON.parse(readFileSync(pkg, "utf8")) as { bin?: Record<string, string> | string }).bin;
      const entry = typeof bin === "string" ? bin : bin?.["vitest"];
      if (entry !== undefined) return join(pkg, "..", entry);
    } catch {
      // not resolvable from there
    }
  }
  return undefined;
}

/** True inside the Threadspace repository running the CLI's sources (the packages' `source` condition applies). */
function runningFromSource(): boolean {
  return import.meta.url.endsWith(".ts");
}

/** Options of {@link runVitest}. */
export interface VitestRunOptions {
  /** More arguments for `vitest run` (a name filter, `--reporter`, ...). */
  readonly args?: readonly string[];
}

/**
 * Runs a plugin's Vitest tests (tests/*.test.ts, written with `@threadspace/testing`) in a child
 * process with the plugin's folder as root and working directory, forwarding Vitest's report to
 * `io`. Returns Vitest's exit code (0: every test passed). Throws `source_invalid` when Vitest is
 * not installed, saying what to install.
 */
export async function runVitest(io: CliIo, dir: string, options: VitestRunOptions = {}): Promise<number> {
  const entry = vitestEntry(dir);
  if (entry === undefined) {
    throw new ThreadspaceError(
      "source_invalid",
      `${vitestFiles(dir).join(", ")} ${vitestFiles(dir).length === 1 ? "needs" : "need"} Vitest and @threadspace/testing, which are not installed: npm install --save-dev vitest @threadspace/testing (next to the plugin or the CLI).`,
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(io.env).filter((pair): pair is [string, string] => pair[1] !== undefined)),
    THREADSPACE_TEST_ROOT: dir,
    THREADSPACE_TEST_ANCHOR: fileURLToPath(import.meta.url),
    THREADSPACE_TEST_SOURCE: runningFromSource() ? "1" : "0",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  delete env["VITEST"];
  delete env["VITEST_POOL_ID"];
  delete env["VITEST_WORKER_ID"];
  const child = spawn(process.execPath, [...(runningFromSource() ? ["--conditions=source"] : []), entry, "run", "--config", CONFIG, "--root", dir, ...(options.args ?? [])], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => io.stdout(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => io.stderr(chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
