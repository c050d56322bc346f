import { isThreadspaceError } from "@threadspace/errors";
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { BridgeInstance } from "./bridge/bridge-instance.ts";
import { ExtismWorkerInstance } from "./extism-worker-instance.ts";
import type { WorkerInstance } from "./instance.ts";
import { WorkerSupervisor, type WorkerSlotPool } from "./worker-supervisor.ts";

const loop = await WebAssembly.compile(await readFile(new URL("../../../../test/fixtures/build/loop.wasm", import.meta.url)));
const text = (output: Uint8Array | null): string => new TextDecoder().decode(output ?? new Uint8Array(0));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as Pick<Console, "trace" | "debug" | "info" | "warn" | "error" | "log"> as Console;

type Transport = "bridge" | "extism";
function make(transport: Transport): Promise<WorkerInstance> {
  if (transport === "bridge") return BridgeInstance.start(loop, { plugin: "loop" });
  return ExtismWorkerInstance.start(loop, { plugin: "loop", useWasi: false, functions: {}, kernel: { config: {}, logLevel: () => "warn" }, logger: quiet, logLevel: "warn", startTimeoutMs: 10_000, memoryCap: 16 });
}

/** A supervisor over the loop fixture; `made` holds every instance it created. */
async function start(transport: Transport, timeoutMs: number, options: { restarts?: string[]; prewarm?: boolean; slots?: WorkerSlotPool } = {}) {
  const made: WorkerInstance[] = [];
  const supervisor = await WorkerSupervisor.start({
    name: "loop",
    timeoutMs,
    prewarm: options.prewarm ?? false,
    lifecycle: true,
    slots: options.slots,
    create: async () => {
      const instance = await make(transport);
      made.push(instance);
      return instance;
    },
    restartLifecycle: async (instance) => {
      options.restarts?.push(text((await instance.call("get_metadata", "")).output));
    },
  });
  return { supervisor, made };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe.each(["bridge", "extism"] as const)("WorkerSupervisor over transport %s", (transport) => {
  test("a timeout terminates the worker at once; the next call runs the lifecycle on a fresh instance", async () => {
    const restarts: string[] = [];
    const { supervisor, made } = await start(transport, 150, { restarts });
    const error = await rejection(supervisor.call("spin", ""));
    expect(isThreadspaceError(error, "timeout")).toBe(true);
    expect((error as Error).message).toMatch(/spin ran longer than its limit of 150 ms/);
    expect(text((await supervisor.call("echo", "x")).output)).toBe("x");
    expect(made).toHaveLength(2);
    expect(restarts).toEqual(['{"name":"loop","version":"1.0.0"}']);
    expect(supervisor.stats).toMatchObject({ timeouts: 1, restarts: 1, crashes: 0 });
    await supervisor.close();
    await expect(supervisor.call("echo", "x")).rejects.toThrow(/unloading/);
  });

  test("a call's own deadline ends it before timeoutMs", async () => {
    const { supervisor } = await start(transport, 5000);
    const error = await rejection(supervisor.call("spin", "", { deadline: performance.now() + 100 }));
    expect(isThreadspaceError(error, "timeout")).toBe(true);
    expect((error as Error).message).toMatch(/ran longer than its deadline/);
    await supervisor.close();
  });

  test("with prewarm, the replacement worker starts right after a timeout; close() closes a spare too", async () => {
    const restarts: string[] = [];
    const { supervisor, made } = await start(transport, 150, { restarts, prewarm: true });
    expect(isThreadspaceError(await rejection(supervisor.call("spin", "")), "timeout")).toBe(true);
    await expect.poll(() => made.length, { timeout: 10_000 }).toBe(2);
    expect(restarts).toEqual([]); // the lifecycle waits for the next call
    expect(text((await supervisor.call("echo", "warm")).output)).toBe("warm");
    expect(made).toHaveLength(2);
    expect(isThreadspaceError(await rejection(supervisor.call("spin", "")), "timeout")).toBe(true);
    await expect.poll(() => made.length, { timeout: 10_000 }).toBe(3);
    await supervisor.close();
    await expect(made[2]?.call("echo", "x")).rejects.toMatchObject({ code: "plugin_unavailable" });
  });

  test("every instance holds a worker slot until it is gone, however it ends", async () => {
    let held = 0;
    const slots: WorkerSlotPool = {
      acquire: async () => {
        held++;
        let released = false;
        return () => {
          if (!released) held--;
          released = true;
        };
      },
    };
    const { supervisor } = await start(transport, 150, { slots });
    expect(held).toBe(1);
    await rejection(supervisor.call("spin", ""));
    await expect.poll(() => held, { timeout: 10_000 }).toBe(0);
    expect(text((await supervisor.call("echo", "y")).output)).toBe("y");
    expect(held).toBe(1);
    expect(supervisor.crash()).toBe(true);
    await expect.poll(() => held, { timeout: 10_000 }).toBe(0);
    await supervisor.close();
    expect(held).toBe(0);
  });
});

describe("WorkerSupervisor crash handling", () => {
  test("a worker that exits on its own fails the call in flight and is replaced on the next call", async () => {
    const restarts: string[] = [];
    const { supervisor, made } = await start("bridge", 5000, { restarts });
    const inFlight = rejection(supervisor.call("spin", ""));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Terminate the thread behind the supervisor's back: only the instance's exit signal tells.
    const first = made[0];
    if (!(first instanceof BridgeInstance)) throw new Error("expected a bridge instance");
    await first.worker.terminate();
    const error = await inFlight;
    expect(isThreadspaceError(error, "plugin_trap")).toBe(true);
    expect((error as Error).message).toMatch(/spin stopped: its worker exited/);
    expect(text((await supervisor.call("echo", "back")).output)).toBe("back");
    expect(made).toHaveLength(2);
    expect(restarts).toEqual(['{"name":"loop","version":"1.0.0"}']);
    expect(supervisor.stats).toMatchObject({ crashes: 1, restarts: 1, timeouts: 0 });
    await supervisor.close();
  });
});
