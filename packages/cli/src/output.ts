import { relative, isAbsolute } from "node:path";
import { isThreadspaceError } from "@threadspace/errors";
import type { CliIo } from "./io.ts";

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line that cannot be acted on (unknown command or option, missing argument, ...). Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The command whose `--help` the message points to, when known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** Writes one line to standard output. */
export function line(io: CliIo, text = ""): void {
  io.stdout(`${text}\n`);
}

/** A path as people should read it: relative to the working directory when inside it. */
export function displayPath(io: CliIo, path: string): string {
  const shown = relative(io.cwd, path);
  return shown === "" ? "." : shown.startsWith("..") || isAbsolute(shown) ? path : shown;
}

/** One validation problem: `<file>: <json path>: <message>`. */
export function problemLine(file: string, path: string, message: string): string {
  return `${file}: ${path}: ${message}`;
}

/** `12,345 bytes (12.1 KiB)`. */
export function formatSize(bytes: number): string {
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  if (bytes < 1024) return exact;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${exact} (${value.toFixed(1)} ${units[unit]})`;
}

/**
 * Writes an error to standard error and returns its exit code:
 * `error [code] message` and one line per issue for a ThreadspaceError, `error: message` for
 * anything else (exit 2 for usage errors); the stack only when `THREADSPACE_DEBUG=1`.
 */
export function reportError(io: CliIo, error: unknown): number {
  const debug = io.env["THREADSPACE_DEBUG"] === "1";
  if (error instanceof UsageError) {
    const help = error.command === undefined ? "threadspace --help" : `threadspace ${error.command} --help`;
    io.stderr(`error: ${error.message}\nRun "${help}" for usage.\n`);
    if (debug && error.stack !== undefined) io.stderr(`${error.stack}\n`);
    return EXIT_USAGE;
  }
  if (isThreadspaceError(error)) {
    io.stderr(`error [${error.code}] ${error.message}\n`);
    for (const issue of error.issues) io.stderr(`  ${issue.path}: ${issue.message}\n`);
  } else {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (debug) io.stderr(`${debugDetails(error)}\n`);
  return EXIT_FAILURE;
}

function debugDetails(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.stack ?? `${error.name}: ${error.message}`;
  let cause = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    text += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}
