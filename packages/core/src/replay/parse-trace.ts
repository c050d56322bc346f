import { ThreadspaceError, type ThreadspaceIssue } from "@threadspace/errors";
import { compileConfigSchema, type ConfigCheck } from "@threadspace/host";
import { DEFAULT_MAX_TRACE_BYTES, TRACE_FORMAT, TRACE_VERSION, TRACE_VERSIONS_READ, type CallTrace } from "./trace.ts";

const text = { type: "string" };
const named = { type: "string", minLength: 1 };
/** A payload: an object with exactly one of json (any value), text, base64 (padded). */
const payload = {
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: { json: {}, text, base64: { type: "string", pattern: "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$" } },
};
const payloadOrNull = { ...payload, type: ["object", "null"] };
/** An object with these fields and no other (a new field is a new trace version). */
const fields = (required: string[], properties: Record<string, unknown>) => ({ type: "object", required, properties, additionalProperties: false });

/**
 * The layout of a trace (trace.ts) as JSON Schema, checked by the engine's interpreting validator
 * (@cfworker/json-schema through `compileConfigSchema`, already in the bundle for `configSchema`).
 * Payload values, config values and event payloads are data: not descended into.
 */
const TRACE_SCHEMA = {
  ...fields(["format", "version", "plugin", "export", "input", "config", "host", "events", "logs", "result", "fuel", "timing"], {
    format: {},
    version: {},
    plugin: fields(["name", "version", "sha256"], { name: named, version: text, sha256: { type: ["string", "null"] } }),
    export: named,
    input: payload,
    budget: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    config: { type: "object" },
    vars: { type: "object", additionalProperties: payloadOrNull },
    wasi: {
      type: "array",
      items: fields(["fn", "arg", "errno"], {
        fn: { enum: ["clock_time_get", "clock_res_get", "random_get"] },
        arg: { type: "integer", minimum: 0, maximum: 0xffffffff },
        errno: { type: "integer", minimum: 0, maximum: 0xffff },
        value: { type: "string", pattern: "^(?:[0-9]{1,20}|(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$" },
      }),
    },
    host: { type: "array", items: fields(["fn", "request", "reply"], { fn: named, request: payloadOrNull, reply: payloadOrNull }) },
    events: { type: "array", items: fields(["topic", "payload"], { topic: named, payload: {} }) },
    logs: { type: "array", items: fields(["level", "message", "source"], { level: text, message: text, source: text }) },
    result: { type: "object", minProperties: 1, maxProperties: 1, additionalProperties: false, properties: { output: payloadOrNull, error: fields(["code", "message"], { code: named, message: text }) } },
    fuel: { type: ["integer", "null"], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    timing: fields(["startedAt", "durationMs"], { startedAt: text, durationMs: { type: "number", minimum: 0 } }),
    truncated: { const: true },
  }),
};

let check: ConfigCheck | undefined;

const refuse = (message: string, issues: readonly ThreadspaceIssue[], cause?: unknown): ThreadspaceError => new ThreadspaceError("bad_input", message, { cause, issues });

/** The JSON value of a trace given as text or bytes, or a copy of one given as a value, within `maxBytes`. */
function valueOf(source: unknown, maxBytes: number): unknown {
  let size: number;
  let text: string | undefined;
  try {
    if (source instanceof Uint8Array) text = new TextDecoder("utf-8", { fatal: true }).decode(source);
    else if (typeof source === "string") text = source;
    text ??= JSON.stringify(source) ?? "null";
    size = text.length;
  } catch (cause) {
    throw refuse(`the trace is not UTF-8 text or JSON data (${cause instanceof Error ? cause.message : String(cause)}); a .tstrace is JSON.`, [{ path: "$", message: "not JSON" }], cause);
  }
  if (size > maxBytes) throw refuse(`the trace is ${size} bytes; at most ${maxBytes} are read (replay's maxBytes).`, [{ path: "$", message: `larger than ${maxBytes} bytes` }]);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw refuse(`the trace is not JSON (${cause instanceof Error ? cause.message : String(cause)}).`, [{ path: "$", message: "not JSON" }], cause);
  }
}

/**
 * Reads an untrusted trace (an object, JSON text or its bytes) and returns a checked copy (a
 * field a trace does not have is refused). Throws `bad_input` listing the problems with their JSON paths: a
 * wrong format or version, a size over `maxBytes`, malformed JSON, a field of the wrong type.
 *
 * @example
 * const trace = parseTrace(await readFile("call.tstrace"));
 */
export function parseTrace(source: unknown, maxBytes: number = DEFAULT_MAX_TRACE_BYTES): CallTrace {
  const value = valueOf(source, maxBytes);
  const t = (typeof value === "object" && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (t !== value) throw refuse("the trace must be a JSON object (a .tstrace file).", [{ path: "$", message: "must be an object" }]);
  if (t["format"] !== TRACE_FORMAT) throw refuse(`the trace's format must be "${TRACE_FORMAT}" (is this a .tstrace file?).`, [{ path: "$.format", message: `must be "${TRACE_FORMAT}"` }]);
  if (!TRACE_VERSIONS_READ.includes(t["version"] as number)) throw refuse(`the trace is version ${JSON.stringify(t["version"])}; this engine reads versions ${TRACE_VERSIONS_READ.join(" and ")} (it writes ${TRACE_VERSION}). Record the call again with this engine.`, [{ path: "$.version", message: `must be one of ${TRACE_VERSIONS_READ.join(", ")}` }]);
  if (t["version"] === 1 && "vars" in t) throw refuse("the trace is version 1, which has no vars; a trace with vars is version 2.", [{ path: "$.vars", message: "not in version 1" }]);
  if (t["version"] !== 3 && "wasi" in t) throw refuse(`the trace is version ${String(t["version"])}, which has no WASI values; a trace with wasi is version 3.`, [{ path: "$.wasi", message: `not in version ${String(t["version"])}` }]);
  check ??= compileConfigSchema(TRACE_SCHEMA);
  const issues = check(t);
  const all = [...issues, ...(issues.length === 0 ? checkWasiValues(t["wasi"]) : [])];
  if (!passed(t, all)) throw refuse(`the trace is not one this engine can replay: ${all.map((issue) => `${issue.path} ${issue.message}`).join("; ")}.`, all);
  return t;
}

/** True when the trace schema found no issue in `_trace`: it is then a {@link CallTrace} (TRACE_SCHEMA describes that type, unknown fields refused). */
function passed(_trace: object, issues: readonly unknown[]): _trace is CallTrace {
  return issues.length === 0;
}

/** What the schema cannot say about WASI values: a clock value is a u64 in decimal, random bytes are as many as were asked for. */
function checkWasiValues(wasi: unknown): ThreadspaceIssue[] {
  if (!Array.isArray(wasi)) return [];
  const issues: ThreadspaceIssue[] = [];
  wasi.forEach((read: { fn: string; arg: number; errno: number; value?: string }, i) => {
    const path = `$.wasi[${i}].value`;
    if (read.errno !== 0) {
      if (read.value !== undefined) issues.push({ path, message: "must be absent when errno is not 0" });
      return;
    }
    if (read.value === undefined) issues.push({ path, message: "is required when errno is 0" });
    else if (read.fn === "random_get") {
      const padding = read.value.endsWith("==") ? 2 : read.value.endsWith("=") ? 1 : 0;
      if ((read.value.length / 4) * 3 - padding !== read.arg) issues.push({ path, message: `must be ${read.arg} bytes in base64` });
    } else if (!/^[0-9]{1,20}$/.test(read.value) || BigInt(read.value) > 0xffff_ffff_ffff_ffffn) issues.push({ path, message: "must be a u64 in decimal" });
  });
  return issues;
}
