/**
 * The run-time shape of `createEngine`'s options (valibot), one entry per key of each options
 * type: the `Shape<T>` annotations make TypeScript refuse a schema that misses an option or
 * names one the type does not have, so a new option is a one-line change here. Numbers carry
 * the range the code that uses them accepts; the limits policy's ranges stay in limits-policy.ts
 * (check-engine-options.ts runs it).
 */
import * as v from "valibot";
import { describeValue, hostPatternProblem, type PluginLimits } from "@threadspace/manifest";
import type { EngineHttpOptions } from "../http/http-options.ts";
import type { EngineIsolationOptions } from "../isolation/isolation-policy.ts";
import type { MeteringOptions } from "../fuel/metering-policy.ts";
import type { RecordOptions } from "../replay/trace-store.ts";
import type { CircuitBreakerOptions } from "../lifecycle/monitor.ts";
import type { HostLimitsPolicy } from "../limits/index.ts";
import type { EngineLogger, EngineOptions } from "../engine-options.ts";

/** One schema for every key of `T` (optional keys included), and no other key. */
type Shape<T> = { readonly [K in keyof Required<T>]: v.GenericSchema };

const got = (issue: v.BaseIssue<unknown>): string => `got ${describeValue(issue.input)}`;

/** A plain object (not an array, not null) whose keys are those of `shape` (unknown keys are reported apart, with suggestions). */
function options<T>(what: string, shape: Shape<T>) {
  return v.looseObject(shape, (issue) => `must be an object (${what}); ${got(issue)}.`);
}

const optional = <S extends v.GenericSchema>(schema: S) => v.optional(schema);

/** A number (limits: their ranges are checked by limits-policy.ts). */
function count(what: string) {
  return optional(v.number((issue) => `must be a number (${what}); ${got(issue)}.`));
}

/** A whole number from `min`. */
function whole(what: string, min: 0 | 1) {
  return optional(
    v.pipe(
      v.number((issue) => `must be a whole number from ${min} (${what}); ${got(issue)}.`),
      v.check((n) => Number.isSafeInteger(n) && n >= min, (issue) => `must be a whole number from ${min} (${what}); ${got(issue)}.`),
    ),
  );
}

/** A finite number of milliseconds, above 0 or from 0. */
function ms(what: string, positive: boolean) {
  const wanted = positive ? "a number of milliseconds above 0" : "a number of milliseconds from 0";
  return optional(
    v.pipe(
      v.number((issue) => `must be ${wanted} (${what}); ${got(issue)}.`),
      v.check((n) => Number.isFinite(n) && (positive ? n > 0 : n >= 0), (issue) => `must be ${wanted} (${what}); ${got(issue)}.`),
    ),
  );
}

function flag(what: string) {
  return optional(v.boolean((issue) => `must be true or false (${what}); ${got(issue)}.`));
}

function oneOf<const T extends readonly string[]>(values: T) {
  return optional(v.picklist(values, (issue) => `must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}; ${got(issue)}.`));
}

function fn(what: string) {
  return v.custom<(...args: never[]) => unknown>((value) => typeof value === "function", (issue) => `must be a function (${what}); ${got(issue)}.`);
}

const isolationValues = ["inline", "pool", "worker"] as const;

const pluginLimitShape: Shape<PluginLimits> = {
  timeoutMs: count("milliseconds"),
  memoryPages: count("64 KiB pages"),
  maxInputBytes: count("bytes"),
  maxOutputBytes: count("bytes"),
  hostCallsPerCall: count("host calls per call"),
  eventsPerSecond: count("events per second"),
  storageBytes: count("bytes"),
  fuel: count("fuel units per call"),
  tableElements: count("table elements"),
  hostMemoryBytes: count("bytes the host may hold for the plugin"),
  maxVarBytes: count("bytes of Extism vars"),
  isolation: oneOf(isolationValues),
};

const limitShape: Shape<HostLimitsPolicy> = {
  ...pluginLimitShape,
  defaults: optional(options("the limits a plugin gets when it asks for none", pluginLimitShape)),
};

const LOGGER_METHODS: readonly (keyof EngineLogger)[] = ["trace", "debug", "info", "warn", "error"];

/** Any object with the five logger methods (console, pino, a test's recorder: other keys are theirs). */
const logger = v.custom<EngineLogger>(
  (value) => typeof value === "object" && value !== null && LOGGER_METHODS.every((name) => typeof (value as Record<string, unknown>)[name] === "function"),
  (issue) => {
    const value = issue.input;
    if (typeof value !== "object" || value === null) return `must be a logger (an object with trace, debug, info, warn and error methods, like console); ${got(issue)}.`;
    const missing = LOGGER_METHODS.filter((name) => typeof (value as Record<string, unknown>)[name] !== "function");
    return `must be a logger like console: it has no ${missing.join(", ")} method${missing.length === 1 ? "" : "s"}.`;
  },
);

const spinShape: Shape<NonNullable<EngineIsolationOptions["spinMicros"]>> = {
  engine: whole("microseconds", 0),
  worker: whole("microseconds", 0),
};

const isolationShape: Shape<EngineIsolationOptions> = {
  whenWorkerUnavailable: oneOf(["fail", "inline"]),
  resetEvery: whole("calls between resets", 1),
  maxWorkers: whole("workers at once", 1),
  transport: oneOf(["bridge", "extism"]),
  spinMicros: optional(options("how long a call waits spinning, in microseconds", spinShape)),
  poolSize: whole("workers in the default pool", 1),
  pools: optional(
    v.record(
      v.string(),
      v.strictObject({ size: whole("workers in the pool", 1) } satisfies Shape<{ size?: number }>, (issue) => `must be a pool: { size } (size: its most workers, default 1); ${got(issue)}.`),
      (issue) => `must be an object of pools by name, e.g. { trusted: { size: 1 } }; ${got(issue)}.`,
    ),
  ),
  poolFor: optional(fn("poolFor: (plugin) => the name of its pool")),
};

const meteringShape: Shape<MeteringOptions> = {
  unmetered: oneOf(["refuse", "allow"]),
};

const recordShape: Shape<RecordOptions> = {
  calls: oneOf(["errors", "off"]),
  keep: whole("traces of failed calls kept per plugin", 0),
  maxBytes: whole("bytes of one trace", 1),
  redact: optional(fn("record.redact: (trace) => trace")),
};

const circuitBreakerShape: Shape<CircuitBreakerOptions> = {
  failures: whole("consecutive failures", 1),
  retryAfterMs: ms("before a trial call", true),
  maxRetryAfterMs: ms("the longest wait, at least retryAfterMs", true),
};

/** The methods every storage driver has (`@threadspace/storage`'s StorageDriver). */
const STORAGE_METHODS = ["get", "scan", "commit", "close"] as const;

const storageDriver = v.custom<object>(
  (value) => typeof value === "object" && value !== null && STORAGE_METHODS.every((name) => typeof (value as Record<string, unknown>)[name] === "function"),
  (issue) => {
    const value = issue.input;
    if (typeof value !== "object" || value === null) return `must be a storage driver (memoryStorage(), indexedDbStorage({ name }), fileStorage({ dir }), ...); ${got(issue)}.`;
    const missing = STORAGE_METHODS.filter((name) => typeof (value as Record<string, unknown>)[name] !== "function");
    return `must be a storage driver: it has no ${missing.join(", ")} method${missing.length === 1 ? "" : "s"} (use memoryStorage(), indexedDbStorage({ name }), fileStorage({ dir }) or a StorageDriver of your own).`;
  },
);

const grantPolicy = v.union(
  [v.boolean(), v.array(v.string()), fn("grant")],
  (issue) => `must be true, false, a list of permission names or a function (plugin, requested) => permissions; ${got(issue)}.`,
);

const publicKey = v.union(
  [v.string(), v.instance(Uint8Array), v.looseObject({})],
  (issue) => `must be a public key: base64 of the 32 raw Ed25519 bytes (threadspace keygen), raw bytes or a JWK; ${got(issue)}.`,
);

const httpShape: Shape<EngineHttpOptions> = {
  fetch: optional(fn("http.fetch")),
  allowedHosts: optional(v.union([v.array(v.pipe(v.string(), v.check((p) => hostPatternProblem(p) === undefined, (issue) => hostPatternProblem(issue.input as string) ?? "is not a host pattern."))), fn("http.allowedHosts")], (issue) => `must be a list of host patterns (e.g. ["api.example.com", "*.example.org"]) or a function (plugin) => patterns; ${got(issue)}.`)),
  maxHttpResponseBytes: whole("bytes", 0),
  maxRequestBodyBytes: whole("bytes", 0),
  requestsPerCall: whole("requests per call", 0),
  timeoutMs: ms("per request", true),
  maxRedirects: whole("redirects", 0),
};

/** Every option of `createEngine` and its type. */
export const engineOptionsShape: Shape<EngineOptions> = {
  grant: optional(grantPolicy),
  maxRequestBytes: whole("bytes", 1),
  logger: optional(logger),
  logLevel: oneOf(["trace", "debug", "info", "warn", "error", "silent"]),
  limits: optional(options("the host's limits policy", limitShape)),
  metering: optional(options("fuel metering", meteringShape)),
  isolation: optional(options("worker isolation options; which plugins run in a worker is limits.isolation", isolationShape)),
  maxWasmBytes: whole("bytes", 1),
  logBufferSize: whole("log entries per plugin", 1),
  eventQueueSize: whole("events per plugin", 1),
  eventLogSize: whole("events; 0 turns the event log off", 0),
  record: optional(v.union([v.picklist(["errors", "off"]), options("recording calls", recordShape)], (issue) => `must be "errors", "off" or an object { calls, keep, maxBytes, redact }; ${got(issue)}.`)),
  journalDelayMs: ms("between a change and storing it", false),
  storage: optional(storageDriver),
  maxQueuedCalls: whole("calls", 0),
  healthCheckIntervalMs: ms("between health checks; 0: no polling", false),
  healthCheckTimeoutMs: ms("longest health check", true),
  circuitBreaker: optional(v.union([v.literal(false), options("circuit breaker", circuitBreakerShape)], (issue) => `must be false or an object { failures, retryAfterMs, maxRetryAfterMs }; ${got(issue)}.`)),
  trustedKeys: optional(v.array(publicKey, (issue) => `must be an array of public keys; ${got(issue)}.`)),
  requireSignature: flag("refuse bundles not signed by trustedKeys"),
  http: optional(options("plugins' HTTP requests", httpShape)),
  checkOutputs: flag("check outputs against plugin.json's output schemas (debug mode)"),
};

/** The schema of `createEngine`'s options object. */
export const engineOptionsSchema = options("createEngine's options", engineOptionsShape);
