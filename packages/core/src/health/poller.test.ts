import { describe, expect, test } from "vitest";
import { Poller, type Ticker } from "./poller.ts";

/** A ticker the test fires by hand. */
function manualTicker() {
  const state = { task: undefined as (() => void) | undefined, intervalMs: 0, stopped: 0 };
  const ticker: Ticker = {
    start(task, intervalMs) {
      state.task = task;
      state.intervalMs = intervalMs;
      return () => {
        state.stopped++;
        state.task = undefined;
      };
    },
  };
  return { state, ticker };
}

describe("Poller", () => {
  test("checks every due item at each tick, skipping those not due", () => {
    const { state, ticker } = manualTicker();
    const poller = new Poller<string>(500, ticker);
    const checked: string[] = [];
    const busy = new Set(["b"]);
    poller.start(() => ["a", "b", "c"], (item) => !busy.has(item), (item) => checked.push(item));
    expect(state.intervalMs).toBe(500);
    state.task?.();
    expect(checked).toEqual(["a", "c"]);
    busy.clear();
    state.task?.();
    expect(checked).toEqual(["a", "c", "a", "b", "c"]);
  });

  test("starts once, stops, and never polls at interval 0", () => {
    const { state, ticker } = manualTicker();
    const poller = new Poller<string>(100, ticker);
    poller.start(() => [], () => true, () => undefined);
    const first = state.task;
    poller.start(() => ["x"], () => true, () => undefined);
    expect(state.task).toBe(first);
    expect(poller.running).toBe(true);
    poller.stop();
    expect(poller.running).toBe(false);
    expect(state.stopped).toBe(1);
    const idle = manualTicker();
    const off = new Poller<string>(0, idle.ticker);
    off.start(() => ["x"], () => true, () => undefined);
    expect(idle.state.task).toBeUndefined();
    expect(off.running).toBe(false);
  });

  test("refuses an interval that is not a number of ms from 0", () => {
    expect(() => new Poller(-1)).toThrow(RangeError);
    expect(() => new Poller(Number.NaN)).toThrow(/healthCheckIntervalMs/);
  });
});
