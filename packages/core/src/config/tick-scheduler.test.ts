import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { TickScheduler } from "./tick-scheduler.ts";

describe("TickScheduler", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test("ticks every interval until stopped", async () => {
    let ticks = 0;
    const scheduler = new TickScheduler(async () => void ticks++, () => undefined);
    scheduler.start(0.1);
    await vi.advanceTimersByTimeAsync(350);
    expect(ticks).toBe(3);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ticks).toBe(3);
    expect(scheduler.interval).toBeUndefined();
  });

  test("skips a tick while the previous one still runs, never overlapping or piling up", async () => {
    let running = 0;
    let overlaps = 0;
    const release: Array<() => void> = [];
    const scheduler = new TickScheduler(() => {
      if (running > 0) overlaps++;
      running++;
      return new Promise<void>((resolve) => release.push(() => ((running--), resolve())));
    }, () => undefined);
    scheduler.start(0.1);
    await vi.advanceTimersByTimeAsync(550); // due at 100, 200, 300, 400, 500: only the first starts
    expect(scheduler.stats).toEqual({ ticks: 1, skipped: 4, failures: 0 });
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(100); // due at 600: runs
    expect(scheduler.stats.ticks).toBe(2);
    expect(overlaps).toBe(0);
    scheduler.stop();
  });

  test("a failing tick is reported and ticking goes on", async () => {
    const errors: unknown[] = [];
    const scheduler = new TickScheduler(() => Promise.reject(new Error("boom")), (error) => errors.push(error));
    scheduler.start(0.05);
    await vi.advanceTimersByTimeAsync(120);
    expect(errors).toHaveLength(2);
    expect(scheduler.stats.failures).toBe(2);
    scheduler.stop();
  });

  test("start restarts with the new interval; bad intervals are refused", async () => {
    let ticks = 0;
    const scheduler = new TickScheduler(async () => void ticks++, () => undefined);
    scheduler.start(1);
    scheduler.start(0.1);
    await vi.advanceTimersByTimeAsync(1050);
    expect(ticks).toBe(10);
    scheduler.stop();
    expect(() => scheduler.start(0)).toThrow(RangeError);
    expect(() => scheduler.start(Number.NaN)).toThrow(RangeError);
  });
});
