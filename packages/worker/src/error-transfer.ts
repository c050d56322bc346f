import * as Comlink from "comlink";
import { THREADSPACE_ERROR_CODES, ThreadspaceError, type ThreadspaceErrorCode, type ThreadspaceIssue } from "@threadspace/errors";

/** A {@link ThreadspaceError} as it crosses a thread: plain data that survives `structuredClone`. */
export interface ThreadspaceErrorData {
  readonly code: string;
  /** The full message, `[threadspace] [plugin x]` prefix included. */
  readonly message: string;
  readonly plugin?: string;
  readonly issues: readonly ThreadspaceIssue[];
  readonly stack?: string;
  /** The cause's name and message, when there was one (causes are not cloned whole). */
  readonly cause?: { readonly name: string; readonly message: string };
}

const CODES = new Set<string>(THREADSPACE_ERROR_CODES);

/** Turns a {@link ThreadspaceError} into {@link ThreadspaceErrorData}. */
export function serializeThreadspaceError(error: ThreadspaceError): ThreadspaceErrorData {
  const { cause } = error;
  return {
    ...error.toJSON(),
    issues: error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause === undefined ? {} : { cause: cause instanceof Error ? { name: cause.name, message: cause.message } : { name: "Error", message: String(cause) } }),
  };
}

/**
 * Rebuilds a real {@link ThreadspaceError} (so `instanceof` and `isThreadspaceError(e, code)` work)
 * from {@link ThreadspaceErrorData}. The message is kept as sent, without a second prefix. A code
 * this side does not know (mismatched versions) becomes `plugin_error`, and the message says so.
 */
export function deserializeThreadspaceError(data: ThreadspaceErrorData): ThreadspaceError {
  const known = CODES.has(data.code);
  const code = (known ? data.code : "plugin_error") as ThreadspaceErrorCode;
  const cause = data.cause === undefined ? undefined : Object.assign(new Error(data.cause.message), { name: data.cause.name });
  const error = new ThreadspaceError(code, "", {
    ...(data.plugin === undefined ? {} : { plugin: data.plugin }),
    ...(cause === undefined ? {} : { cause }),
    issues: data.issues.map((issue) => ({ path: issue.path, message: issue.message })),
  });
  const message = known ? data.message : `${data.message} (unknown error code "${data.code}")`;
  Object.defineProperty(error, "message", { value: message, writable: true, configurable: true, enumerable: false });
  if (data.stack !== undefined) Object.defineProperty(error, "stack", { value: data.stack, writable: true, configurable: true, enumerable: false });
  return error;
}

/** What the wrapped `throw` handler sends: ours for a ThreadspaceError, comlink's otherwise. */
type ThrowWire = { readonly threadspace: ThreadspaceErrorData } | { readonly comlink: unknown };

/** Marks the handlers this package installed, so registering twice is a no-op. */
const REGISTERED = Symbol.for("threadspace.worker.errorTransfer");

/** The thrown-value wrapper comlink passes to its `throw` handler. */
interface Thrown {
  readonly value: unknown;
}

/**
 * Makes {@link ThreadspaceError}s cross comlink boundaries whole, in both directions:
 * - thrown or rejected (comlink's `throw` handler is wrapped: our errors travel as
 *   {@link ThreadspaceErrorData}, anything else as comlink sends it);
 * - passed or returned as a top-level value (handler `"threadspace-error"`).
 *
 * `exposeEngine` and `connectEngine` call it; call it yourself only when you expose your own
 * objects with comlink and want the same. Safe to call more than once.
 */
export function registerErrorTransfer(): void {
  const current = Comlink.transferHandlers.get("throw") as (Comlink.TransferHandler<Thrown, unknown> & { [REGISTERED]?: true }) | undefined;
  if (current === undefined) throw new Error("[threadspace] comlink has no 'throw' transfer handler to wrap; is this comlink 4?");
  if (current[REGISTERED] !== true) {
    const wrapped: Comlink.TransferHandler<Thrown, ThrowWire> & { [REGISTERED]: true } = {
      [REGISTERED]: true,
      canHandle: (value): value is Thrown => current.canHandle(value),
      serialize(thrown) {
        if (thrown.value instanceof ThreadspaceError) return [{ threadspace: serializeThreadspaceError(thrown.value) }, []];
        const [comlink, transfers] = current.serialize(thrown);
        return [{ comlink }, transfers];
      },
      deserialize(wire) {
        if ("threadspace" in wire) throw deserializeThreadspaceError(wire.threadspace);
        return current.deserialize(wire.comlink);
      },
    };
    Comlink.transferHandlers.set("throw", wrapped as Comlink.TransferHandler<unknown, unknown>);
  }
  if (!Comlink.transferHandlers.has("threadspace-error")) {
    const value: Comlink.TransferHandler<ThreadspaceError, ThreadspaceErrorData> = {
      canHandle: (candidate): candidate is ThreadspaceError => candidate instanceof ThreadspaceError,
      serialize: (error) => [serializeThreadspaceError(error), []],
      deserialize: deserializeThreadspaceError,
    };
    Comlink.transferHandlers.set("threadspace-error", value as Comlink.TransferHandler<unknown, unknown>);
  }
}
