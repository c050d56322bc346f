import { describe, expect, test } from "vitest";
import { UpgradeGate } from "./upgrade-gate.ts";

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe("UpgradeGate", () => {
  test("a call that finds no build waits for the upgrade and then runs; with none running it is not held", async () => {
    const gate = new UpgradeGate(10);
    expect(gate.after("p", () => Promise.resolve("ran"))).toBeUndefined();
    const swap = deferred();
    const upgrade = gate.run("p", () => swap.promise);
    const order: string[] = [];
    const waiting = gate.after("p", async () => order.push("call"));
    order.push("swap");
    swap.resolve();
    await upgrade;
    await waiting;
    expect(order).toEqual(["swap", "call"]);
    expect(gate.after("p", () => Promise.resolve())).toBeUndefined();
  });

  test("upgrades of one name run one after another, a failed one too", async () => {
    const gate = new UpgradeGate(10);
    const first = deferred();
    const order: string[] = [];
    const failed = gate.run("p", async () => {
      await first.promise;
      order.push("first");
      throw new Error("refused");
    });
    const second = gate.run("p", async () => void order.push("second"));
    first.resolve();
    await expect(failed).rejects.toThrow("refused");
    await second;
    expect(order).toEqual(["first", "second"]);
    expect(gate.idle("p")).toBeUndefined();
  });

  test("beyond maxWaiting calls the next one is refused with busy", async () => {
    const gate = new UpgradeGate(1);
    const swap = deferred();
    const upgrade = gate.run("p", () => swap.promise);
    const first = gate.after("p", () => Promise.resolve("first"));
    await expect(gate.after("p", () => Promise.resolve("second"))).rejects.toMatchObject({ code: "busy" });
    swap.resolve();
    await upgrade;
    expect(await first).toBe("first");
  });
});
