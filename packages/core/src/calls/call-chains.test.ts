import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { CallChains, describeChain, type SharedThread } from "./call-chains.ts";

/** A pool worker as the chains see it: a label and whatever runs on it now. */
function thread(label: string): SharedThread & { runs: string | undefined } {
  return { label, runs: undefined, runningPlugin() { return this.runs; } };
}

function refused(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isThreadspaceError(error, "busy")) return error.message;
    throw error;
  }
  return "accepted";
}

describe("CallChains", () => {
  it("follows ts_plugin_calls: a call back into a plugin that waits for the caller is refused, naming the chain", () => {
    const chains = new CallChains();
    const ab = chains.calling("a", "b");
    const bc = chains.calling("b", "c");
    expect(chains.chain("a", "c")).toEqual([{ plugin: "a" }, { plugin: "b" }, { plugin: "c" }]);
    expect(chains.chain("c", "a")).toBeUndefined();
    expect(refused(() => chains.calling("c", "a"))).toMatch(/c called a, which waits for c \(c → a → b → c\).*cannot call back into a plugin that is waiting for it/);
    // A call to itself waits for itself at once.
    expect(refused(() => chains.calling("d", "d"))).toMatch(/d → d/);
    bc();
    expect(refused(() => chains.calling("c", "a"))).toBe("accepted");
    ab();
    expect(chains.chain("a", "b")).toBeUndefined();
  });

  it("work queued on a pool worker waits for the plugin running there: a chain back into that worker is refused", () => {
    const chains = new CallChains();
    const worker = thread("pool default #1");
    // a runs on the worker and calls b (inline or in a worker of its own), and b calls c, which lives in a's worker.
    worker.runs = "a";
    const ab = chains.calling("a", "b");
    const bc = chains.calling("b", "c");
    const message = refused(() => chains.queued("c", worker));
    expect(message).toMatch(/c lives in pool default #1, which runs a's call, and that call waits for c \(a → b → c\)/);
    expect(message).toMatch(/different pools/);
    // c in another worker (or another pool) is not refused.
    expect(refused(() => chains.queued("c", thread("pool default #2")))).toBe("accepted");
    // Nobody waits for d: it queues.
    const d = chains.queued("d", worker);
    // While d is queued behind a, a call into d from b is a call that waits for a: b → d ⇢ a → b.
    expect(refused(() => chains.calling("b", "d"))).toMatch(/b → d ⇢ \(queued in pool default #1, which runs a's call\) → b.*different pools/);
    d();
    bc();
    ab();
    expect(refused(() => chains.queued("c", worker))).toBe("accepted");
  });

  it("a plugin queued behind its own work is not a chain (its earlier call ends or is stopped)", () => {
    const chains = new CallChains();
    const worker = thread("pool p #1");
    worker.runs = "a";
    expect(refused(() => chains.queued("a", worker))).toBe("accepted");
  });

  it("counts waits: one ends, the other stays", () => {
    const chains = new CallChains();
    const first = chains.calling("a", "b");
    chains.calling("a", "b");
    first();
    first();
    expect(chains.chain("a", "b")).toHaveLength(2);
  });

  it("a caller's ended call drops its calls, and their late ends leave its next call's alone", () => {
    const chains = new CallChains();
    const stale = chains.calling("a", "b"); // cut short at a's deadline; b still runs
    chains.ended("a");
    expect(chains.chain("a", "b")).toBeUndefined();
    const next = chains.calling("a", "b");
    stale();
    expect(chains.chain("a", "b")).toHaveLength(2);
    next();
    expect(chains.chain("a", "b")).toBeUndefined();
  });

  it("stops on cycles it did not refuse (a wait registered through a thread whose runner changed)", () => {
    const chains = new CallChains();
    const worker = thread("pool p #1");
    chains.queued("a", worker);
    worker.runs = "b";
    chains.calling("b", "c");
    chains.calling("c", "x");
    expect(chains.chain("a", "z")).toBeUndefined();
    expect(describeChain([{ plugin: "a" }, { plugin: "b", via: "pool p #1" }, { plugin: "c" }])).toBe("a ⇢ (queued in pool p #1, which runs b's call) → c");
  });
});
