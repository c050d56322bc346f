import { describe, expect, test } from "vitest";
import { HealthHistories, MAX_HISTORY_TEXT } from "./health-history.ts";

describe("HealthHistories", () => {
  test("counts calls, errors, timeouts and circuit openings per plugin, from when it was first opened", () => {
    const histories = new HealthHistories(() => 1234);
    histories.open("a");
    histories.recordCall("a");
    histories.recordCall("a");
    histories.recordError("a", "timeout", "spin ran too long", 2000);
    histories.recordError("a", "plugin_trap", "boom", 3000);
    histories.recordCircuitOpen("a");
    expect(histories.get("a")).toEqual({ calls: 2, errors: 2, timeouts: 1, circuitOpens: 1, since: 1234, lastError: "boom", lastErrorCode: "plugin_trap", lastErrorAt: 3000 });
    expect(histories.get("b")).toBeUndefined();
  });

  test("hands over what changed once, tells the watcher only when the first change arrives, and takes failed stores back", () => {
    const histories = new HealthHistories(() => 0);
    let told = 0;
    histories.watch(() => told++);
    histories.open("a");
    histories.recordCall("a");
    histories.open("b");
    expect(told).toBe(1);
    expect([...histories.takeChanges().keys()]).toEqual(["a", "b"]);
    expect(histories.takeChanges().size).toBe(0);
    histories.recordCall("a");
    expect(told).toBe(2);
    const taken = histories.takeChanges();
    histories.retry(taken.keys());
    expect(histories.takeChanges().get("a")).toMatchObject({ calls: 2 });
  });

  test("restores stored rows as stored, forgets uninstalled plugins, and clips long texts", () => {
    const histories = new HealthHistories(() => 0);
    histories.restore([["a", { calls: 7, errors: 0, timeouts: 0, circuitOpens: 0, since: 5 }]]);
    expect(histories.takeChanges().size).toBe(0);
    expect(histories.get("a")).toMatchObject({ calls: 7, since: 5 });
    histories.recordError("a", "plugin_trap", "x".repeat(5000), 1);
    histories.recordCheck("a", { at: 2, status: "degraded", message: "y".repeat(5000) });
    expect(histories.get("a")?.lastError?.length).toBe(MAX_HISTORY_TEXT + 3);
    expect(histories.get("a")?.lastCheck?.message.length).toBe(MAX_HISTORY_TEXT);
    histories.forget("a");
    expect(histories.get("a")).toBeUndefined();
    expect(histories.takeChanges().size).toBe(0);
  });

  test("gives copies: changing one changes nothing stored", () => {
    const histories = new HealthHistories(() => 0);
    histories.open("a");
    const copy = histories.get("a") as { calls: number };
    copy.calls = 99;
    expect(histories.get("a")?.calls).toBe(0);
  });
});
