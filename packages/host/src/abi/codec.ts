import { storableProblem } from "@threadspace/storage";
import { HostFailure, type ExtismCallContext, type HostErrorCode } from "../host-types.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Default cap on one request's size (1 MiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Reads the JSON request behind `handle`. Throws {@link HostFailure} (`bad_request`, `too_large`)
 * for a missing handle, an oversize request, invalid UTF-8 or invalid JSON.
 * `JSON.parse` stores keys such as `__proto__` as own data properties, so no request reaches a prototype.
 * A request the storage would refuse later (a lone surrogate in a string or a key, nesting past
 * the storage's 512 levels) is `bad_request` here, before any host function replies `ok` to it;
 * the check stops at that depth, so a 100,000-deep array cannot overflow the host's stack.
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
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (cause) {
    throw new HostFailure("bad_request", `the request is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const problem = storableProblem(request);
  if (problem !== undefined) throw new HostFailure("bad_request", `the request cannot be accepted: ${problem.path} ${problem.message}; the host stores only well-formed strings and values nested at most 512 levels`);
  return request;
}

/** Stores `{"ok": value}` and returns its handle. */
export function replyOk(context: ExtismCallContext, value: unknown): bigint {
  return context.store(JSON.stringify({ ok: value === undefined ? null : value }));
}

/** Stores `{"error": {"code", "message"}}` and returns its handle. */
export function replyError(context: ExtismCallContext, code: HostErrorCode, message: string): bigint {
  return context.store(JSON.stringify({ error: { code, message } }));
}
