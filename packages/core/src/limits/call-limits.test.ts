import { CallTransaction, HostFailure } from "@threadspace/host";
import { describe, expect, test } from "vitest";
import { CallLimits, WorkerSlots } from "./call-limits.ts";

describe("CallLimits", () => {
  test("host calls past hostCallsPerCall are refused and mark the call; a new call starts a new count", () => {
    const limits = new CallLimits();
    limits.use("p", { hostCallsPerCall: 2, eventsPerSecond: 100 });
    const tx = new CallTransaction("p");
    limits.beforeHostCall("p", "ts_kv_get", tx);
    limits.beforeHostCall("p", "ts_kv_get", tx);
    expect(tx.failure).toBeUndefined();
    expect(() => limits.beforeHostCall("p", "ts_kv_get", tx)).toThrow(HostFailure);
    expect(tx.failure).toMatchObject({ code: "limit_exceeded" });
    const next = new CallTransaction("p");
    limits.beforeHostCall("p", "ts_kv_get", next);
    expect(next.failure).toBeUndefined();
  });

  test("eventsPerSecond is a token bucket refilled at its rate", () => {
    let now = 0;
    const limits = new CallLimits(() => now);
    limits.use("p", { hostCallsPerCall: 1000, eventsPerSecond: 2 });
    const emit = () => limits.beforeHostCall("p", "ts_event_emit", new CallTransaction("p"));
    emit();
    emit();
    expect(emit).toThrow(/eventsPerSecond/);
    now = 499;
    expect(emit).toThrow(/eventsPerSecond/);
    now = 600; // 1.2 tokens back
    emit();
    expect(emit).toThrow(/eventsPerSecond/);
    limits.beforeHostCall("p", "ts_kv_get", new CallTransaction("p"));
  });
});

describe("WorkerSlots", () => {
  test("waits when full, first come first served; release is idempotent", async () => {
    const slots = new WorkerSlots(1);
    const first = await slots.acquire();
    const order: number[] = [];
    const second = slots.acquire().then((release) => (order.push(2), release));
    const third = slots.acquire().then((release) => (order.push(3), release));
    expect(slots.waiting).toBe(2);
    first();
    first();
    const release2 = await second;
    expect(order).toEqual([2]);
    expect(slots.used).toBe(1);
    release2();
    (await third)();
    expect(order).toEqual([2, 3]);
    expect(slots.used).toBe(0);
    expect(() => new WorkerSlots(0)).toThrow(RangeError);
  });
});
