// Host replies: {"ok": value} or {"error": {"code", "message"}} (docs/host-abi.md), as HostResult.
import { blockFromString, blockString, freeBlock } from "./io";
import { Json, JsonKind, JsonObject, JsonValue } from "./json";

/** Error codes a host function replies with (HostResult.code); embedder APIs may add others. */
export namespace ErrorCode {
  export const PERMISSION_DENIED = "permission_denied";
  export const BAD_REQUEST = "bad_request";
  export const TOO_LARGE = "too_large";
  export const NOT_FOUND = "not_found";
  export const QUOTA_EXCEEDED = "quota_exceeded";
  export const LIMIT_EXCEEDED = "limit_exceeded";
  export const UNSUPPORTED = "unsupported";
  export const CALL_FAILED = "call_failed";
  export const INTERNAL = "internal";
  /** Not from the host: its reply was not `{"ok"}` / `{"error"}` JSON (HostResult.message has the text). */
  export const BAD_REPLY = "bad_reply";
}

/**
 * The reply of one host function call. `ok` tells success from failure:
 * - success: `json` is the reply's value as JSON text, `value()` the parsed value; `code` and
 *   `message` are "".
 * - failure: `code` (e.g. "permission_denied", "not_found"; see ErrorCode) and `message` say
 *   why; `json` is "null". Nothing was changed by a failed call.
 * A host function never traps the plugin, so every call returns a HostResult.
 */
export class HostResult {
  constructor(
    public readonly ok: bool,
    public readonly code: string,
    public readonly message: string,
    public readonly json: string,
    /** @internal */ public _value: JsonValue | null,
  ) {}

  /** Parses a reply's text. A reply that is not the ABI's shape becomes code "bad_reply". */
  static parse(reply: string): HostResult {
    const parsed = Json.parse(reply);
    if (parsed !== null && parsed.kind == JsonKind.Object) {
      if (parsed.has("ok")) {
        const value = parsed.get("ok");
        // The host writes {"ok":<value>} compactly: then the value's text is a slice of the
        // reply, which saves serialising a large value again.
        const sliced = parsed.length == 1 && reply.startsWith('{"ok":') && reply.endsWith("}");
        return new HostResult(true, "", "", sliced ? reply.substring(6, reply.length - 1) : value.toJson(), value);
      }
      const error = parsed.get("error");
      if (error.isObject() && error.get("code").isString()) {
        return new HostResult(false, error.get("code").asString(), error.get("message").asString(), "null", null);
      }
    }
    const shown = reply.length > 200 ? reply.substring(0, 200) + "..." : reply;
    return HostResult.failure(ErrorCode.BAD_REPLY, 'the host replied with neither {"ok"} nor {"error"}: ' + shown);
  }

  /** A failed result made by the plugin itself (for checks done before calling the host). */
  static failure(code: string, message: string): HostResult {
    return new HostResult(false, code, message, "null", null);
  }

  /** The reply's value (JSON null when the call failed). */
  value(): JsonValue {
    let v = this._value;
    if (v === null) {
      v = JsonValue.null();
      this._value = v;
    }
    return v;
  }
  /** The value as a boolean (false when failed or not a boolean). */
  bool(): bool {
    return this.ok && this.value().asBool();
  }
  /** The value as an integer (0 when failed or not a number). */
  int(): i64 {
    return this.ok ? this.value().asInt() : 0;
  }
  /** The value as a string ("" when failed or not a string). */
  text(): string {
    return this.ok ? this.value().asString() : "";
  }
  /** The value's string elements ([] when failed or not an array). */
  strings(): string[] {
    return this.value().asStrings();
  }
  /** True when the call failed with `code`. */
  is(code: string): bool {
    return !this.ok && this.code == code;
  }
  /** The reply in the ABI's shape: `{"ok":<json>}` or `{"error":{"code","message"}}` (e.g. to forward it). */
  toJson(): string {
    if (this.ok) return '{"ok":' + this.json + "}";
    return new JsonObject().set("error", new JsonObject().set("code", this.code).set("message", this.message)).toString();
  }
  /** "ok <json>" or "<code>: <message>", for logs. */
  toString(): string {
    return this.ok ? "ok " + this.json : this.code + ": " + this.message;
  }
}

/**
 * Sends `request` (JSON text) to the host function `fn` and returns its reply. Use it for
 * embedder APIs (engine.defineHostApi), which have no wrapper here:
 *
 *   @external("extism:host/user", "ts_weather_today")
 *   declare function ts_weather_today(request: u64): u64;
 *   const r = callHost(ts_weather_today, new JsonObject().set("city", "Oslo").toString());
 */
export function callHost(fn: (request: u64) => u64, request: string): HostResult {
  const handle = blockFromString(request);
  const reply = fn(handle);
  freeBlock(handle);
  return replyOf(reply);
}

/** Reads and frees a reply block. */
export function replyOf(reply: u64): HostResult {
  if (reply == 0) return HostResult.failure(ErrorCode.BAD_REPLY, "the host returned no reply (handle 0)");
  const text = blockString(reply);
  freeBlock(reply);
  return HostResult.parse(text);
}
