import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { hostMemoryLimits } from "../../limits/host-memory-limits.ts";
import { CallNotStartedError } from "../instance.ts";
import type { PoolGuestSpec } from "./pool-worker.ts";
import { CallChains } from "../../calls/call-chains.ts";
import { WorkerSlots } from "../../limits/call-limits.ts";
import { WorkerPool } from "./worker-pool.ts";

const startSpins = await WebAssembly.compile(await readFile(new URL("../../../../../test/fixtures/build/start-spins.wasm", import.meta.url)));
const module = await WebAssembly.compile(await readFile(new URL("../../../../../test/fixtures/build/isolation.wasm", import.meta.url)));
const text = (outcome: { output: Uint8Array | null }): string => (outcome.output === null ? "" : new TextDecoder().decode(outcome.output));

function spec(plugin: string, dependencies: string[] = [], of: WebAssembly.Module = module): PoolGuestSpec {
  return {
    module: of,
    useWasi: false,
    config: {},
    configVersion: 0,
    hostMemory: hostMemoryLimits(undefined),
    startMs: 5000,
    startTimeoutMs: 10_000,
    guest: { plugin, dependencies: new Set(dependencies), functions: {}, kernel: undefined, memoryCap: 256, hostNames: [] },
  };
}

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
function pool(size: number, slots?: WorkerSlots): WorkerPool {
  const made = new WorkerPool("test", size, { engine: 0, worker: 0 }, new CallChains(), slots);
  pools.push(made);
  return made;
}

describe("WorkerPool", () => {
  it("starts workers up to its size, one plugin each first, then shares them; an emptied worker is closed", async () => {
    const two = pool(2);
    const a = await two.instantiate(spec("a"));
    const b = await two.instantiate(spec("b"));
    const c = await two.instantiate(spec("c"));
    expect(two.workers).toBe(2);
    expect(new Set([a.workerLabel, b.workerLabel]).size).toBe(2);
    expect(text(await a.call("counter", ""))).toBe("1");
    expect(text(await c.call("counter", ""))).toBe("1");
    expect(text(await a.call("counter", ""))).toBe("2");
    await b.close();
    const sharedWithC = [a, c].filter((x) => x.workerLabel === b.workerLabel);
    expect(two.workers).toBe(sharedWithC.length === 0 ? 1 : 2);
    await a.close();
    await c.close();
    expect(two.workers).toBe(0);
  });

  it("keeps a plugin away from the workers of its dependencies where it can", async () => {
    const two = pool(2);
    const callee = await two.instantiate(spec("callee"));
    await two.instantiate(spec("other"));
    const caller = await two.instantiate(spec("caller", ["callee"]));
    expect(caller.workerLabel).not.toBe(callee.workerLabel);
  });

  it("a terminated worker drops its queued calls as not started and tells its other instances", async () => {
    const one = pool(1);
    const looping = await one.instantiate(spec("looping"));
    const neighbour = await one.instantiate(spec("neighbour"));
    const exits: string[] = [];
    neighbour.onExit((why) => exits.push(why));
    // An unmetered-looking runaway: no budget, no deadline (the supervisor would time it).
    const runaway = looping.call("spin", "").catch((error: unknown) => error);
    const waiting = neighbour.call("echo", "x").catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await looping.close(); // its own call still runs: the worker is terminated
    expect(await waiting).toBeInstanceOf(CallNotStartedError);
    expect(isThreadspaceError(await waiting, "plugin_unavailable")).toBe(true);
    expect(isThreadspaceError(await runaway, "plugin_unavailable")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exits).toEqual([expect.stringMatching(/looping did not stop by its deadline/)]);
    expect(one.workers).toBe(0);
    const fresh = await one.instantiate(spec("neighbour"));
    expect(text(await fresh.call("echo", "again"))).toBe("again");
  });

  it("takes a worker slot (isolation.maxWorkers) per worker: grows only while one is free, waits only for its first, gives them back", async () => {
    const slots = new WorkerSlots(2);
    const held = await slots.acquire(); // a worker plugin holds one
    const three = pool(3, slots);
    const a = await three.instantiate(spec("a"));
    const b = await three.instantiate(spec("b"));
    const c = await three.instantiate(spec("c"));
    expect(three.workers).toBe(1);
    expect(slots.used).toBe(2);
    expect(new Set([a.workerLabel, b.workerLabel, c.workerLabel]).size).toBe(1);
    held();
    const d = await three.instantiate(spec("d"));
    expect(three.workers).toBe(2);
    expect(d.workerLabel).not.toBe(a.workerLabel);
    await d.close();
    expect(slots.used).toBe(1);
    // Every slot taken: a pool with no worker waits for one, then starts it.
    const other = pool(1, slots);
    const taken = await slots.acquire();
    let placed = false;
    const waiting = other.instantiate(spec("e")).then((instance) => ((placed = true), instance));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(placed).toBe(false);
    taken();
    expect(text(await (await waiting).call("echo", "e"))).toBe("e");
    await Promise.all([a, b, c].map((instance) => instance.close()));
    expect(slots.used).toBe(1);
  });

  it("a start function that never returns gets its worker terminated; instantiations queued behind it are placed again in a fresh worker", async () => {
    const one = pool(1);
    const neighbour = await one.instantiate(spec("neighbour"));
    const exits: string[] = [];
    neighbour.onExit((why) => exits.push(why));
    // Unmetered, it loops until the worker is terminated (startTimeoutMs + a grace).
    const spinning = one.instantiate({ ...spec("spins", [], startSpins), startTimeoutMs: 200 }).catch((error: unknown) => error);
    const queued = one.instantiate(spec("queued"));
    const error = await spinning;
    expect(isThreadspaceError(error, "init_failed")).toBe(true);
    expect((error as Error).message).toMatch(/spins did not finish instantiating within 200 ms/);
    const placed = await queued;
    expect(text(await placed.call("echo", "placed again"))).toBe("placed again");
    expect(placed.workerLabel).toBe("pool test #2");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exits).toEqual([expect.stringMatching(/spins did not finish instantiating/)]);
  });
});
