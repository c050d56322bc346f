/**
 * The recording boundary (docs/replay.md): every `extism:host/user` function a plugin imports
 * passes through {@link tapHostFunctions}, so a call whose transaction carries a
 * {@link HostCallTap} has each host request and reply seen as bytes (recording), or has its
 * replies served by the tap instead of the live host (replay). A call without a tap pays one
 * property read per host call.
 */
import type { ExtismCallContext } from "./host-types.ts";
import type { ExtismHostFunction } from "./host-functions.ts";
import type { CallTransaction } from "./transaction.ts";

/** Serves a host call live: the wrapped function, given a context. */
export type LiveHostCall = (context: ExtismCallContext) => bigint | Promise<bigint>;

/**
 * Watches or replaces the host calls of one plugin call (set as `tx.tap`). `exchange` gets the
 * import name, the request's bytes (null when the handle points at no block) and the live
 * function; it returns the reply's handle, as the host function would.
 */
export interface HostCallTap {
  exchange(fn: string, request: Uint8Array | null, context: ExtismCallContext, live: LiveHostCall): bigint | Promise<bigint>;
}

const AsyncFunction = (async () => undefined).constructor;

const tapOf = (context: ExtismCallContext): HostCallTap | undefined => context.hostContext<CallTransaction | undefined | null>()?.tap;

/**
 * The same host functions, each handing its call to the transaction's tap when there is one.
 * Async functions stay async (Extism tells them apart by their constructor, to suspend the guest).
 */
export function tapHostFunctions(functions: Record<string, ExtismHostFunction>): Record<string, ExtismHostFunction> {
  const tapped: Record<string, ExtismHostFunction> = {};
  for (const [name, fn] of Object.entries(functions)) {
    const live = (handle: bigint): LiveHostCall => (context) => fn(context, handle);
    const request = (context: ExtismCallContext, handle: bigint): Uint8Array | null => context.read(handle)?.bytes() ?? null;
    tapped[name] =
      fn.constructor === AsyncFunction
        ? async (context, handle) => {
            const tap = tapOf(context);
            return tap === undefined ? await fn(context, handle) : await tap.exchange(name, request(context, handle), context, live(handle));
          }
        : (context, handle) => {
            const tap = tapOf(context);
            return tap === undefined ? fn(context, handle) : tap.exchange(name, request(context, handle), context, live(handle));
          };
  }
  return tapped;
}
