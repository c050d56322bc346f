import { ThreadspaceError, type ThreadspaceIssue } from "@threadspace/errors";
import { DEFAULT_MAX_TRACE_BYTES, TRACE_FORMAT, TRACE_VERSION, type CallTrace, type HostExchange, type TraceEvent, type TraceLog, type TracePayload, type TraceResult } from "./trace.ts";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** At most this many problems are listed. */
const MAX_ISSUES = 20;

type Json = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const own = (object: Json, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

/** Collects problems with their JSON paths while a trace is read. */
class Reader {
  readonly issues: ThreadspaceIssue[] = [];

  fail(path: string, message: string): undefined {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string): Json | undefined {
    return isObject(value) ? value : this.fail(path, `must be an object; got ${describe(value)}`);
  }

  string(value: unknown, path: string, nonEmpty = false): string | undefined {
    if (typeof value !== "string") return this.fail(path, `must be a string; got ${describe(value)}`);
    return nonEmpty && value === "" ? this.fail(path, "must not be empty") : value;
  }

  whole(value: unknown, path: string, min: number): number | undefined {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= min ? value : this.fail(path, `must be a whole number from ${min}; got ${describe(value)}`);
  }

  array<T>(value: unknown, path: string, item: (value: unknown, path: string) => T | undefined): T[] {
    if (!Array.isArray(value)) return this.fail(path, `must be an array; got ${describe(value)}`) ?? [];
    const out: T[] = [];
    value.forEach((each: unknown, i) => {
      const read = item(each, `${path}[${i}]`);
      if (read !== undefined) out.push(read);
    });
    return out;
  }

  payload(value: unknown, path: string): TracePayload | undefined {
    const object = this.object(value, path);
    if (object === undefined) return undefined;
    const keys = Object.keys(object);
    if (keys.length !== 1 || !["json", "text", "base64"].includes(keys[0] as string)) return this.fail(path, `must have exactly one of "json", "text" or "base64"; has ${keys.length === 0 ? "none" : keys.map((k) => JSON.stringify(k)).join(", ")}`);
    if (Object.hasOwn(object, "json")) return { json: object["json"] };
    if (Object.hasOwn(object, "text")) {
      const text = this.string(object["text"], `${path}.text`);
      return text === undefined ? undefined : { text };
    }
    const base64 = this.string(object["base64"], `${path}.base64`);
    if (base64 === undefined) return undefined;
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) return this.fail(`${path}.base64`, "must be base64 (A-Z, a-z, 0-9, +, /, padded with =)");
    return { base64 };
  }

  payloadOrNull(value: unknown, path: string): TracePayload | null | undefined {
    return value === null ? null : this.payload(value, path);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function exchange(r: Reader, value: unknown, path: string): HostExchange | undefined {
  const object = r.object(value, path);
  if (object === undefined) return undefined;
  const fn = r.string(own(object, "fn"), `${path}.fn`, true);
  const request = r.payloadOrNull(own(object, "request"), `${path}.request`);
  const reply = r.payloadOrNull(own(object, "reply"), `${path}.reply`);
  return fn === undefined || request === undefined || reply === undefined ? undefined : { fn, request, reply };
}

function log(r: Reader, value: unknown, path: string): TraceLog | undefined {
  const object = r.object(value, path);
  if (object === undefined) return undefined;
  const level = r.string(own(object, "level"), `${path}.level`);
  const message = r.string(own(object, "message"), `${path}.message`);
  const source = r.string(own(object, "source"), `${path}.source`);
  return level === undefined || message === undefined || source === undefined ? undefined : { level, message, source };
}

function event(r: Reader, value: unknown, path: string): TraceEvent | undefined {
  const object = r.object(value, path);
  if (object === undefined) return undefined;
  const topic = r.string(own(object, "topic"), `${path}.topic`, true);
  return topic === undefined ? undefined : { topic, payload: own(object, "payload") ?? null };
}

function result(r: Reader, value: unknown, path: string): TraceResult | undefined {
  const object = r.object(value, path);
  if (object === undefined) return undefined;
  if (Object.hasOwn(object, "error")) {
    const error = r.object(object["error"], `${path}.error`);
    if (error === undefined) return undefined;
    const code = r.string(own(error, "code"), `${path}.error.code`, true);
    const message = r.string(own(error, "message"), `${path}.error.message`);
    return code === undefined || message === undefined ? undefined : { error: { code, message } };
  }
  if (!Object.hasOwn(object, "output")) return r.fail(path, 'must have "output" (a payload or null) or "error" ({ code, message })');
  const output = r.payloadOrNull(object["output"], `${path}.output`);
  return output === undefined ? undefined : { output };
}

/** The JSON text of a trace given as text or bytes, checked against the size cap. */
function textOf(source: string | Uint8Array, maxBytes: number): string {
  const size = typeof source === "string" ? source.length : source.byteLength;
  if (size > maxBytes) throw new ThreadspaceError("bad_input", `the trace is ${size} bytes; at most ${maxBytes} are read (replay's maxBytes).`, { issues: [{ path: "$", message: `larger than ${maxBytes} bytes` }] });
  if (typeof source === "string") return source;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(source);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", "the trace is not UTF-8 text; a .tstrace file is JSON.", { cause, issues: [{ path: "$", message: "not UTF-8" }] });
  }
}

/**
 * Reads an untrusted trace (an object, JSON text or its bytes) and returns a checked copy with
 * only the fields a trace has. Throws `bad_input` listing every problem with its JSON path: a
 * wrong format or version, a size over `maxBytes`, malformed JSON, a field of the wrong type.
 *
 * @example
 * const trace = parseTrace(await readFile("call.tstrace"));
 */
export function parseTrace(source: unknown, maxBytes: number = DEFAULT_MAX_TRACE_BYTES): CallTrace {
  let value: unknown = source;
  if (typeof source === "string" || source instanceof Uint8Array) {
    const text = textOf(source, maxBytes);
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new ThreadspaceError("bad_input", `the trace is not JSON (${cause instanceof Error ? cause.message : String(cause)}).`, { cause, issues: [{ path: "$", message: "not JSON" }] });
    }
  } else {
    let size: number;
    try {
      size = JSON.stringify(source)?.length ?? 0;
    } catch (cause) {
      throw new ThreadspaceError("bad_input", `the trace cannot be read as JSON (${cause instanceof Error ? cause.message : String(cause)}); a trace is plain JSON data.`, { cause, issues: [{ path: "$", message: "not JSON data" }] });
    }
    if (size > maxBytes) throw new ThreadspaceError("bad_input", `the trace is ${size} bytes of JSON; at most ${maxBytes} are read (replay's maxBytes).`, { issues: [{ path: "$", message: `larger than ${maxBytes} bytes` }] });
  }
  const r = new Reader();
  const trace = readTrace(r, value);
  if (trace === undefined || r.issues.length > 0) {
    const list = r.issues.map((issue) => `${issue.path} ${issue.message}`).join("; ");
    throw new ThreadspaceError("bad_input", `the trace is not one this engine can replay: ${list}.`, { issues: r.issues });
  }
  return trace;
}

function readTrace(r: Reader, value: unknown): CallTrace | undefined {
  const t = r.object(value, "$");
  if (t === undefined) return undefined;
  if (own(t, "format") !== TRACE_FORMAT) return r.fail("$.format", `must be ${JSON.stringify(TRACE_FORMAT)}; got ${describe(own(t, "format"))} (is this a .tstrace file?)`);
  if (own(t, "version") !== TRACE_VERSION) return r.fail("$.version", `must be ${TRACE_VERSION}, the trace version this engine reads; got ${describe(own(t, "version"))}. Record the call again with this engine.`);
  const plugin = r.object(own(t, "plugin"), "$.plugin");
  const name = plugin && r.string(own(plugin, "name"), "$.plugin.name", true);
  const version = plugin && r.string(own(plugin, "version"), "$.plugin.version");
  const sha = plugin && own(plugin, "sha256");
  const sha256 = sha === null ? null : plugin && r.string(sha, "$.plugin.sha256");
  const exportName = r.string(own(t, "export"), "$.export", true);
  const input = r.payload(own(t, "input"), "$.input");
  const budgetValue = own(t, "budget");
  const budget = budgetValue === undefined ? undefined : r.whole(budgetValue, "$.budget", 1);
  const config = r.object(own(t, "config"), "$.config");
  const host = r.array(own(t, "host"), "$.host", (v, p) => exchange(r, v, p));
  const events = r.array(own(t, "events"), "$.events", (v, p) => event(r, v, p));
  const logs = r.array(own(t, "logs"), "$.logs", (v, p) => log(r, v, p));
  const ended = result(r, own(t, "result"), "$.result");
  const fuelValue = own(t, "fuel");
  const fuel = fuelValue === null ? null : r.whole(fuelValue, "$.fuel", 0);
  const timing = r.object(own(t, "timing"), "$.timing");
  const startedAt = timing && r.string(own(timing, "startedAt"), "$.timing.startedAt");
  const durationMs = timing && own(timing, "durationMs");
  if (timing !== undefined && (typeof durationMs !== "number" || !Number.isFinite(durationMs) || durationMs < 0)) r.fail("$.timing.durationMs", `must be a number of milliseconds from 0; got ${describe(durationMs)}`);
  const truncated = own(t, "truncated");
  if (truncated !== undefined && truncated !== true) r.fail("$.truncated", `must be true when present; got ${describe(truncated)}`);
  if (name === undefined || version === undefined || sha256 === undefined || exportName === undefined || input === undefined || config === undefined || ended === undefined || fuel === undefined || startedAt === undefined) return undefined;
  if (budgetValue !== undefined && budget === undefined) return undefined;
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    plugin: { name, version, sha256 },
    export: exportName,
    input,
    ...(budget === undefined ? {} : { budget }),
    config: { ...config },
    host,
    events,
    logs,
    result: ended,
    fuel,
    timing: { startedAt, durationMs: durationMs as number },
    ...(truncated === true ? { truncated: true as const } : {}),
  };
}
