/**
 * The Extism boundary for errors: what @extism/extism throws (plain Errors, told apart only by
 * its own conventions) becomes a {@link GuestErrorKind} here, once, and every instance (inline,
 * bridge worker, Extism's runInWorker) builds its typed error from that kind with
 * {@link guestError}. Nothing else in the engine looks at an error's message to classify it.
 */
import { ThreadspaceError, isThreadspaceError, messageOf } from "@threadspace/errors";
import { KernelLimitError } from "../limits/host-memory.ts";

/** What stopped a guest call. */
export const GuestErrorKind = {
  /** The guest trapped (unreachable, out-of-bounds access, a failed host import, misuse of the kernel ABI). */
  TRAP: 0,
  /** The guest recursed past the engine's stack (a RangeError in JavaScript engines). */
  STACK_OVERFLOW: 1,
  /** The plugin reported an error itself (Extism `error_set`, every PDK's "return an error"). */
  PLUGIN_ERROR: 2,
  /** The call spent its fuel budget (metered modules). */
  FUEL_EXHAUSTED: 3,
  /** The call's deadline passed while the guest ran (metered modules check it). */
  DEADLINE: 4,
  /** The plugin made the host hold more than limits.hostMemoryBytes / maxVarBytes (limits/host-memory.ts). */
  HOST_MEMORY: 5,
  /** The call used up the Extism kernel's block slots (limits/host-memory.ts). */
  KERNEL_SLOTS: 6,
} as const;
export type GuestErrorKind = (typeof GuestErrorKind)[keyof typeof GuestErrorKind];

/** A guest failure: its kind, and the message to show (without Extism's prefix). */
export interface GuestFailure {
  readonly kind: GuestErrorKind;
  readonly message: string;
}

/** rc13 reports `error_set` as `new Error("Plugin-originated error: " + text)`: its only mark. */
const PLUGIN_ERROR_PREFIX = "Plugin-originated error: ";

/** Classifies what Extism's `plugin.call` threw (inline, or inside a bridge worker, where the Error itself is at hand). */
export function classifyExtismError(error: unknown): GuestFailure {
  if (isThreadspaceError(error, "fuel_exhausted")) return { kind: GuestErrorKind.FUEL_EXHAUSTED, message: error.message };
  if (isThreadspaceError(error, "timeout")) return { kind: GuestErrorKind.DEADLINE, message: error.message };
  if (error instanceof KernelLimitError) return { kind: error.code === "memory_limit" ? GuestErrorKind.HOST_MEMORY : GuestErrorKind.KERNEL_SLOTS, message: error.message };
  const message = messageOf(error);
  if (error instanceof RangeError) return { kind: GuestErrorKind.STACK_OVERFLOW, message };
  if (error instanceof Error && error.message.startsWith(PLUGIN_ERROR_PREFIX)) return { kind: GuestErrorKind.PLUGIN_ERROR, message: message.slice(PLUGIN_ERROR_PREFIX.length) };
  return { kind: GuestErrorKind.TRAP, message };
}

/**
 * Classifies an error Extism's runInWorker sent across threads: rc13 posts `{ message,
 * originalStack }`, dropping the error's type, whose name still leads its stack ("RangeError: ...").
 */
export function classifyExtismWorkerError(error: unknown): GuestFailure {
  if (error instanceof Error) return classifyExtismError(error);
  if (typeof error !== "object" || error === null || !("message" in error)) return classifyExtismError(error);
  const message = String(error.message);
  const stack = "originalStack" in error && typeof error.originalStack === "string" ? error.originalStack : "";
  if (stack.startsWith("RangeError")) return { kind: GuestErrorKind.STACK_OVERFLOW, message };
  return classifyExtismError(new Error(message));
}

/**
 * True when instantiating failed because an import could not be resolved: a `WebAssembly.LinkError`,
 * or rc13's own check, which throws a plain Error saying "cannot resolve import" before instantiating.
 */
export function isExtismLinkError(error: unknown): boolean {
  if (error instanceof WebAssembly.LinkError) return true;
  const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : "";
  return message.includes("cannot resolve import");
}

/** The engine's typed error for a guest failure of `exportName`. */
export function guestError(failure: GuestFailure, plugin: string, exportName: string, cause?: unknown): ThreadspaceError {
  const options = { plugin, ...(cause === undefined ? {} : { cause }) };
  switch (failure.kind) {
    case GuestErrorKind.PLUGIN_ERROR:
      return new ThreadspaceError("plugin_error", `${exportName} failed: ${failure.message}`, options);
    case GuestErrorKind.FUEL_EXHAUSTED:
      return new ThreadspaceError("fuel_exhausted", failure.message, options);
    case GuestErrorKind.DEADLINE:
      return new ThreadspaceError("timeout", failure.message, options);
    case GuestErrorKind.HOST_MEMORY:
      return new ThreadspaceError("memory_limit", `${exportName} failed: ${failure.message}. Its effects are discarded; the plugin is still loaded.`, options);
    case GuestErrorKind.KERNEL_SLOTS:
      return new ThreadspaceError("limit_exceeded", `${exportName} failed: ${failure.message}. Its effects are discarded; the plugin is still loaded.`, options);
    case GuestErrorKind.STACK_OVERFLOW:
      return new ThreadspaceError("plugin_trap", `${exportName} overflowed its stack: ${failure.message}. The plugin is still loaded; this call's effects are discarded.`, options);
    default:
      return new ThreadspaceError("plugin_trap", `${exportName} trapped: ${failure.message}. The plugin is still loaded; this call's effects are discarded.`, options);
  }
}
