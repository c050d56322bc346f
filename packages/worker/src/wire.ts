import { CallResult, ThreadspaceError, type EngineHookName, type EngineHooks, type InstallSource, type ReplayResult } from "@threadspace/core";
import { deserializeThreadspaceError, serializeThreadspaceError, type ThreadspaceErrorData } from "./error-transfer.ts";

/** A hook's event as the engine passes it. */
export type HookEvent<N extends EngineHookName> = Parameters<EngineHooks[N]>[0];

/**
 * A hook's event as it crosses to the page: `CallResult` becomes its bytes and
 * `ThreadspaceError` becomes data, everything else is cloned.
 */
export type WireHookEvent = Record<string, unknown>;

/** What a page handler receives through a proxy: one event, awaited. */
export type WireHandler<T> = (event: T) => unknown;

/** An install source once it can be cloned: a `URL` is sent as its `href`. */
export type WireInstallSource = Exclude<InstallSource, URL>;

/** The engine's views reachable from the page, by name (`kv` takes the plugin's name as its target). */
export type ViewName = "memories" | "threads" | "config" | "permissions" | "kv";

/** True for a method of `view` the page may call: a function, and not one every object has (`constructor`, `toString`, ...). */
export function isViewMethod(view: object, method: string): boolean {
  return method in view && !(method in Object.prototype) && typeof (view as Record<string, unknown>)[method] === "function";
}

/** Bytes that own their whole, non-shared buffer can be transferred as they are; others are copied first. */
export function transferableBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return bytes as Uint8Array<ArrayBuffer>;
  return bytes.slice();
}

/** Worker side: an engine hook event made cloneable. */
export function hookEventToWire(event: HookEvent<EngineHookName>): WireHookEvent {
  const wire: WireHookEvent = {};
  for (const [key, value] of Object.entries(event)) {
    if (value instanceof CallResult) wire[key] = value.bytes.slice();
    else if (value instanceof ThreadspaceError) wire[key] = { threadspaceError: serializeThreadspaceError(value) };
    else wire[key] = value;
  }
  return wire;
}

/** Page side: the hook event rebuilt with a real `CallResult` and `ThreadspaceError`. */
export function hookEventFromWire<N extends EngineHookName>(name: N, wire: WireHookEvent): HookEvent<N> {
  const event: Record<string, unknown> = {};
  const plugin = typeof wire["plugin"] === "string" ? wire["plugin"] : "";
  for (const [key, value] of Object.entries(wire)) {
    if (key === "output" && name === "call:after" && value instanceof Uint8Array) event[key] = new CallResult(value, plugin);
    else if (isWireError(value)) event[key] = deserializeThreadspaceError(value.threadspaceError);
    else event[key] = value;
  }
  return event as HookEvent<N>;
}

function isWireError(value: unknown): value is { threadspaceError: ThreadspaceErrorData } {
  return typeof value === "object" && value !== null && "threadspaceError" in value;
}

/** `engine.replay`'s result as it crosses: the output as bytes (the rest is plain data). */
export type WireReplayResult = Omit<ReplayResult, "output"> & { readonly output: Uint8Array | undefined };

/** Page side: the replay's result with a real `CallResult`. */
export function replayResultFromWire(plugin: string, wire: WireReplayResult): ReplayResult {
  return { ...wire, output: wire.output === undefined ? undefined : new CallResult(wire.output, plugin, wire.fuel) };
}
