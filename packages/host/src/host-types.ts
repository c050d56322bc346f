import type { PermissionName } from "@threadspace/manifest";
import type { CallTransaction } from "./transaction.ts";

/** Codes a host function can reply with in `{"error": {"code", "message"}}`. */
export type HostErrorCode =
  | "permission_denied"
  | "bad_request"
  | "too_large"
  | "not_found"
  | "quota_exceeded"
  | "limit_exceeded"
  | "unsupported"
  /** A plugin called through `ts_plugin_call` failed; the message carries its error code. */
  | "call_failed"
  | "internal";

/** Thrown by a host function handler to reply with an error (never crosses into the guest as a trap). */
export class HostFailure extends Error {
  override readonly name = "HostFailure";
  readonly code: HostErrorCode;
  constructor(code: HostErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The part of Extism's CallContext the host layer uses (kept small so the host needs no SDK import). */
export interface ExtismCallContext {
  read(handle: bigint | number): { bytes(): Uint8Array } | null;
  store(value: string | Uint8Array): bigint;
  hostContext<T = unknown>(): T;
}

/** What a host function handler knows about the call it serves. */
export interface HostCall {
  /** The calling plugin's name. */
  readonly plugin: string;
  /** The call's transaction: reads see its writes; writes land when the call commits. */
  readonly tx: CallTransaction;
}

/** One host function: its permission, how to validate its request, and what it does. */
export interface HostFunction<Request = unknown> {
  /** The permission the caller needs; checked before the request is even decoded. */
  readonly permission: PermissionName;
  /** Validates and normalises the decoded JSON request; throw `HostFailure("bad_request")` to refuse it. */
  readonly parse: (request: unknown) => Request;
  /**
   * Serves the request; its return value (JSON) becomes `{"ok": value}`. An `async` function's
   * handler may return a promise: the guest is suspended meanwhile, which needs JSPI
   * (`WebAssembly.Suspending`: Chromium, workerd) or a worker.
   */
  readonly handle: (request: Request, call: HostCall) => unknown;
  readonly async?: boolean;
}

/** A named group of host functions; its functions are imported as `ts_<api>_<function>`. */
export interface HostApi {
  readonly name: string;
  // Each function has its own request type; `any` lets one record hold them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly functions: Readonly<Record<string, HostFunction<any>>>;
}

/** Declares a host function with its request type inferred from `parse`. */
export function hostFunction<Request>(permission: PermissionName, parse: (request: unknown) => Request, handle: (request: Request, call: HostCall) => unknown): HostFunction<Request> {
  return { permission, parse, handle };
}
