/** Runs a command of the consumer project (its own node_modules/.bin first on PATH) and collects its output. */
import { spawn } from "node:child_process";
import { delimiter, join } from "node:path";

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** `command args` in `cwd`, with `<project>/node_modules/.bin` first on PATH and no NODE_OPTIONS from the test runner. */
export function run(project: string, cwd: string, command: string, args: readonly string[]): Promise<RunResult> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(project, "node_modules", ".bin")}${delimiter}${process.env["PATH"] ?? ""}` };
  delete env["NODE_OPTIONS"];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
