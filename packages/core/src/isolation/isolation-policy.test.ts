import { describe, expect, test } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { resolveLimits } from "../limits/limits-policy.ts";
import { decideIsolation, inlineTimeoutNote, isolationNotes, workerSupport, workerTransport } from "./isolation-policy.ts";

const page = (crossOriginIsolated: boolean) => ({ crossOriginIsolated, Worker: class {}, SharedArrayBuffer });

describe("workerTransport", () => {
  test("the bridge where Atomics.waitAsync exists, Extism's runInWorker where it does not, unless the engine chose", () => {
    expect(workerTransport(undefined)).toBe("bridge"); // Node 20 has Atomics.waitAsync
    expect(workerTransport({}, { waitAsync: () => undefined })).toBe("bridge");
    expect(workerTransport({}, {})).toBe("extism"); // e.g. Firefox today
    expect(workerTransport({ transport: "extism" }, { waitAsync: () => undefined })).toBe("extism");
    expect(workerTransport({ transport: "bridge" }, {})).toBe("bridge");
  });
});

describe("workerSupport", () => {
  test("Node always has worker_threads", () => {
    expect(workerSupport()).toEqual({ available: true, reason: "" });
  });

  test("a browser page needs crossOriginIsolated; workerd has no workers", () => {
    expect(workerSupport(page(true)).available).toBe(true);
    const plain = workerSupport(page(false));
    expect(plain.available).toBe(false);
    expect(plain.reason).toMatch(/not crossOriginIsolated .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    expect(workerSupport({}).reason).toMatch(/no Web Workers/);
  });
});

describe("decideIsolation", () => {
  const unavailable = workerSupport(page(false));

  test("inline stays inline; worker stays worker where workers exist", () => {
    expect(decideIsolation("p", "inline", {}, unavailable)).toEqual({ mode: "inline", notes: [] });
    expect(decideIsolation("p", "worker", {}, workerSupport(page(true)))).toEqual({ mode: "worker", notes: [] });
  });

  test("worker without workers fails by default, naming the fix and the fallback option", () => {
    let caught: unknown;
    try {
      decideIsolation("p", "worker", {}, unavailable);
    } catch (error) {
      caught = error;
    }
    expect(isThreadspaceError(caught, "init_failed")).toBe(true);
    expect((caught as Error).message).toMatch(/must run in a worker .*crossOriginIsolated.*whenWorkerUnavailable: "inline"/);
  });

  test("the explicit fallback runs it inline, with a note", () => {
    const decision = decideIsolation("p", "worker", { whenWorkerUnavailable: "inline" }, unavailable);
    expect(decision.mode).toBe("inline");
    expect(decision.notes.join(" ")).toMatch(/asked for "worker", running "inline" because the page is not crossOriginIsolated.*not enforced/);
  });
});

describe("isolation notes", () => {
  test("a timeoutMs the plugin asked for is noted as not enforced inline", () => {
    expect(inlineTimeoutNote(resolveLimits({ timeoutMs: 300 }))).toMatch(/timeoutMs: 300 ms is not enforced/);
    expect(inlineTimeoutNote(resolveLimits({ timeoutMs: 300 }, { timeoutMs: 100 }))).toMatch(/timeoutMs: 100 ms is not enforced/);
    expect(inlineTimeoutNote(resolveLimits({}))).toBeUndefined();
    expect(inlineTimeoutNote(resolveLimits({ timeoutMs: 300, isolation: "worker" }))).toBeUndefined();
  });

  test("the runner's own notes (a fallback) are listed too", () => {
    const resolved = resolveLimits({ timeoutMs: 300, isolation: "worker" });
    expect(isolationNotes(resolved, { isolation: { mode: "inline", notes: ["fell back"] } })).toEqual(["fell back"]);
    expect(isolationNotes(resolved, undefined)).toEqual([]);
  });

  test("pool needs workers as worker does; where the bridge cannot run, a pooled plugin gets a worker of its own, with a note", () => {
    expect(decideIsolation("p", "pool", {}, workerSupport(page(true)), { waitAsync: () => undefined })).toEqual({ mode: "pool", notes: [] });
    expect(() => decideIsolation("p", "pool", {}, workerSupport({}))).toThrow(/must run in a pool worker \(limits.isolation "pool"\), but this runtime has no Web Workers/);
    expect(decideIsolation("p", "pool", { whenWorkerUnavailable: "inline" }, workerSupport({})).notes.join(" ")).toMatch(/asked for "pool", running "inline"/);
    const fallback = decideIsolation("p", "pool", {}, workerSupport(page(true)), {});
    expect(fallback.mode).toBe("worker");
    expect(fallback.notes.join(" ")).toMatch(/asked for "pool", running in a worker of its own/);
    expect(decideIsolation("p", "pool", { transport: "extism" }, workerSupport(page(true)), { waitAsync: () => undefined }).mode).toBe("worker");
  });
});
