/**
 * The Node side of the contract suite in Deno and Bun: lists the bundle's cases in a runtime, then
 * runs them all in one process of it and hands each case's result to whoever waits for it (one
 * vitest test per case). A runtime that stops answering is killed and every case it left fails.
 */
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CASE_LINE, CASE_TIMEOUT_MS, type RuntimeCaseResult } from "./case-line.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A server runtime and how to start a script in it. */
export interface ServerRuntime {
  readonly name: "node" | "deno" | "bun";
  readonly command: string;
  /** What goes before the script's path (`run` and Deno's permissions). */
  readonly args: readonly string[];
}

/** The case names the bundle collects in `runtime`. */
export function listCases(runtime: ServerRuntime, bundle: string): string[] {
  const out = execFileSync(runtime.command, [...runtime.args, bundle, "--list"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out) as string[];
}

/** One run of every case in a runtime. */
export interface ContractRun {
  /** The result of the case named `name`, once the runtime has run it. */
  result(name: string): Promise<RuntimeCaseResult>;
  /** Kills the runtime if it still runs. */
  stop(): void;
}

/** How long the runtime may print no case line before it is taken for hung: one case's timeout and a margin. */
const SILENCE_MS = CASE_TIMEOUT_MS + 15_000;

/** Starts the run: `<runtime> <bundle>`, from the repository's root, at low priority (a shared machine). */
export function startContractRun(runtime: ServerRuntime, bundle: string): ContractRun {
  const waiting = new Map<string, { resolve(result: RuntimeCaseResult): void; reject(error: Error): void; promise: Promise<RuntimeCaseResult> }>();
  const slot = (name: string) => {
    let entry = waiting.get(name);
    if (entry === undefined) {
      let resolve!: (result: RuntimeCaseResult) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<RuntimeCaseResult>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined); // a case nobody asked for must not be an unhandled rejection
      entry = { resolve, reject, promise };
      waiting.set(name, entry);
    }
    return entry;
  };
  const settled = new Set<string>();
  const child = spawn("nice", ["-n", "10", runtime.command, ...runtime.args, bundle], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => void (stderr = (stderr + chunk).slice(-8000)));
  let silence: ReturnType<typeof setTimeout> | undefined;
  const watch = (): void => {
    clearTimeout(silence);
    silence = setTimeout(() => child.kill("SIGKILL"), SILENCE_MS);
  };
  watch();
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith(CASE_LINE)) return;
    const result = JSON.parse(line.slice(CASE_LINE.length)) as RuntimeCaseResult;
    settled.add(result.name);
    slot(result.name).resolve(result);
    watch();
  });
  child.on("close", (code, signal) => {
    clearTimeout(silence);
    const why = signal === "SIGKILL" ? `${runtime.name} printed nothing for ${SILENCE_MS} ms and was killed` : `${runtime.name} exited (code ${code}, signal ${signal})`;
    const error = new Error(`${why} before this case reported; its stderr ended with:\n${stderr}`);
    for (const [name, entry] of waiting) if (!settled.has(name)) entry.reject(error);
    ended = error;
  });
  let ended: Error | undefined;
  return {
    result(name) {
      if (ended !== undefined && !settled.has(name)) return Promise.reject(ended);
      return slot(name).promise;
    },
    stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
