import type { ThreadspaceErrorCode } from "./error-codes.ts";

/** One problem found in an input, with the JSON path where it was found. */
export interface ThreadspaceIssue {
  /** JSON path of the offending value, e.g. `$.dependencies[1]`; `$` is the whole document. */
  readonly path: string;
  /** What is wrong and what to do about it. */
  readonly message: string;
}

/** Options of {@link ThreadspaceError}. */
export interface ThreadspaceErrorOptions {
  /** The plugin the error is about, when there is one. */
  readonly plugin?: string | undefined;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Every problem found (manifest validation and similar). */
  readonly issues?: readonly ThreadspaceIssue[] | undefined;
}

/**
 * The one error class of Threadspace. Switch on `code`; show `message` to people.
 * Messages start with where they come from: `[threadspace] [plugin hello] ...`.
 *
 * @example
 * try { await engine.call("hello", "greet", "x") }
 * catch (e) { if (isThreadspaceError(e, "plugin_trap")) restartUi() }
 */
export class ThreadspaceError extends Error {
  override readonly name = "ThreadspaceError";
  readonly code: ThreadspaceErrorCode;
  readonly plugin: string | undefined;
  readonly issues: readonly ThreadspaceIssue[];

  constructor(code: ThreadspaceErrorCode, message: string, options: ThreadspaceErrorOptions = {}) {
    const where = options.plugin === undefined ? "[threadspace]" : `[threadspace] [plugin ${options.plugin}]`;
    super(`${where} ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = options.plugin;
    this.issues = options.issues ?? [];
  }

  /** A plain object that survives `structuredClone` and JSON (for worker boundaries and logs). */
  toJSON(): { name: string; code: ThreadspaceErrorCode; message: string; plugin?: string; issues: readonly ThreadspaceIssue[] } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.plugin === undefined ? {} : { plugin: this.plugin }),
      issues: this.issues,
    };
  }
}

/** True when `value` is a {@link ThreadspaceError}, optionally with the given code. */
export function isThreadspaceError(value: unknown, code?: ThreadspaceErrorCode): value is ThreadspaceError {
  return value instanceof ThreadspaceError && (code === undefined || value.code === code);
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === "string" ? value : String(value);
}
