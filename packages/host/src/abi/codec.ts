import { HostFailure, type ExtismCallContext, type HostErrorCode } from "../host-types.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Default cap on one request's size (1 MiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Reads the JSON request behind `handle`. Throws {@link HostFailure} (`bad_request`, `too_large`)
 * for a missing handle, an oversize request, invalid UTF-8 or invalid JSON.
 * `JSON.parse` stores keys such as `__proto__` as own data properties, so no request reaches a prototype.
 */
export function decodeRequest(context: ExtismCallContext, handle: bigint | number, maxBytes: number): unknown {
  const block = context.read(handle);
  if (block === null) throw new HostFailure("bad_request", "the request handle does not point at a memory block; pass a handle from alloc/store");
  const bytes = block.bytes();
  if (bytes.byteLength > maxBytes) throw new HostFailure("too_large", `the request is ${bytes.byteLength} bytes; at most ${maxBytes} are accepted`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new HostFailure("bad_request", "the request is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HostFailure("bad_request", `the request is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Stores `{"ok": value}` and returns its handle. */
export function replyOk(context: ExtismCallContext, value: unknown): bigint {
  return context.store(JSON.stringify({ ok: value === undefined ? null : value }));
}

/** Stores `{"error": {"code", "message"}}` and returns its handle. */
export function replyError(context: ExtismCallContext, code: HostErrorCode, message: string): bigint {
  return context.store(JSON.stringify({ error: { code, message } }));
}
