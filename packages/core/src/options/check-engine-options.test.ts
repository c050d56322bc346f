import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { memoryStorage } from "@threadspace/storage";
import { describe, expect, test } from "vitest";
import { createEngine } from "../engine.ts";
import { checkEngineOptions } from "./check-engine-options.ts";

function badInput(options: unknown): ThreadspaceError {
  try {
    checkEngineOptions(options);
  } catch (error) {
    if (isThreadspaceError(error)) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("checkEngineOptions", () => {
  test("accepts every documented option with a sound value", () => {
    expect(() =>
      checkEngineOptions({
        grant: ["kv"],
        maxRequestBytes: 1024,
        logger: console,
        logLevel: "info",
        limits: { timeoutMs: 500, isolation: "worker", defaults: { memoryPages: 16 } },
        metering: { unmetered: "allow" },
        isolation: { whenWorkerUnavailable: "inline", maxWorkers: 2, spinMicros: { engine: 0, worker: 0 }, poolSize: 2, pools: { trusted: { size: 1 } }, poolFor: () => "trusted" },
        storage: memoryStorage(),
        maxQueuedCalls: 0,
        healthCheckIntervalMs: 0,
        circuitBreaker: false,
        trustedKeys: ["AAAA", new Uint8Array(32)],
        requireSignature: false,
      }),
    ).not.toThrow();
    expect(() => checkEngineOptions({ grant: () => true, circuitBreaker: { failures: 3 }, limits: {} })).not.toThrow();
    expect(() => checkEngineOptions(undefined)).not.toThrow();
  });

  test("an unknown key gets a did-you-mean, nested keys too", () => {
    const error = badInput({ limts: {}, limits: { timeotMs: 5 }, isolation: { maxWorker: 1 } });
    expect(error.code).toBe("bad_input");
    expect(error.issues).toEqual([
      { path: "options.limts", message: '"limts" is not an option. Did you mean "limits"?' },
      { path: "options.limits.timeotMs", message: '"timeotMs" is not an option. Did you mean "timeoutMs"?' },
      { path: "options.isolation.maxWorker", message: '"maxWorker" is not an option. Did you mean "maxWorkers"?' },
    ]);
    expect(error.message).toContain("createEngine: 3 problems");
  });

  test("wrong types are bad_input with the path", () => {
    expect(badInput({ isolation: "worker" }).issues).toEqual([{ path: "options.isolation", message: expect.stringMatching(/^must be an object \(worker isolation options; which plugins run in a worker is limits\.isolation\); got "worker"\.$/) }]);
    expect(badInput({ grant: 5 }).issues[0]).toMatchObject({ path: "options.grant", message: expect.stringContaining("must be true, false, a list of permission names or a function") });
    expect(badInput({ storage: {} }).issues[0]).toMatchObject({ path: "options.storage", message: expect.stringContaining("it has no get, scan, commit, close methods") });
    expect(badInput({ storage: { get() {}, scan() {}, commit() {} } }).issues[0]?.message).toContain("it has no close method");
    expect(badInput({ logLevel: "verbose" }).issues[0]).toMatchObject({ path: "options.logLevel", message: expect.stringContaining('"warn"') });
    expect(badInput({ limits: { isolation: "thread" } }).issues[0]?.path).toBe("options.limits.isolation");
    expect(badInput({ isolation: { poolSize: 0 } }).issues[0]).toMatchObject({ path: "options.isolation.poolSize", message: expect.stringContaining("whole number from 1") });
    expect(badInput({ isolation: { pools: { trusted: { size: 1.5 } } } }).issues[0]?.path).toBe("options.isolation.pools.trusted.size");
    expect(badInput({ isolation: { pools: { trusted: { sise: 1 } } } }).issues[0]?.path).toMatch(/^options\.isolation\.pools\.trusted/);
    expect(badInput({ isolation: { poolFor: "trusted" } }).issues[0]).toMatchObject({ path: "options.isolation.poolFor", message: expect.stringContaining("must be a function") });
    expect(badInput({ trustedKeys: [5] }).issues[0]?.path).toBe("options.trustedKeys[0]");
    expect(badInput({ get limits() { throw new Error("boom"); } }).message).toContain("the options could not be read (boom)");
    expect(badInput(new Proxy({}, { ownKeys() { throw new Error("trap"); } })).code).toBe("bad_input");
    expect(badInput(42).issues[0]).toMatchObject({ path: "options", message: "must be an object (createEngine's options); got 42." });
  });

  test("ranges: whole numbers, milliseconds, the limits policy", () => {
    expect(badInput({ maxQueuedCalls: -1 }).issues[0]?.path).toBe("options.maxQueuedCalls");
    expect(badInput({ maxQueuedCalls: 1.5 }).issues[0]?.path).toBe("options.maxQueuedCalls");
    expect(badInput({ healthCheckTimeoutMs: 0 }).issues[0]?.path).toBe("options.healthCheckTimeoutMs");
    expect(badInput({ journalDelayMs: Number.NaN }).issues[0]?.path).toBe("options.journalDelayMs");
    expect(badInput({ limits: { timeoutMs: -5 } }).issues).toEqual([{ path: "options.limits.timeoutMs", message: expect.stringContaining("must be a whole number from 1") }]);
    expect(badInput({ limits: { timeoutMs: 100, defaults: { timeoutMs: 200 } } }).issues[0]?.path).toBe("options.limits.defaults.timeoutMs");
    expect(badInput({ circuitBreaker: { retryAfterMs: 1000, maxRetryAfterMs: 10 } }).issues).toEqual([{ path: "options.circuitBreaker.maxRetryAfterMs", message: expect.stringContaining("must be at least retryAfterMs") }]);
  });
});

describe("createEngine", () => {
  test("throws bad_input before it starts anything", async () => {
    await expect(createEngine({ limts: {} } as never)).rejects.toMatchObject({ code: "bad_input" });
    await expect(createEngine({ limits: { timeoutMs: 0 } })).rejects.toMatchObject({ code: "bad_input", message: expect.stringContaining("limits.timeoutMs") });
  });
});
