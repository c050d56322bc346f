import type { CliIo } from "../io.ts";

/**
 * A {@link CliIo} that keeps what a command prints (`out`, `err`) instead of writing it, with
 * `cwd` as the directory paths are shown relative to. No standard input.
 */
export function quietIo(cwd: string, env: Readonly<Record<string, string | undefined>> = {}): CliIo & { readonly out: string[]; readonly err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (chunk) => void out.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)),
    stderr: (text) => void err.push(text),
    readStdin: () => Promise.reject(new Error("no standard input here")),
    stdoutIsTTY: false,
    env,
    cwd,
  };
}
