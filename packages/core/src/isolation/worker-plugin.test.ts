import createPlugin from "@extism/extism";
import { isThreadspaceError } from "@threadspace/errors";
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { WorkerPlugin, type BackgroundExtismPlugin } from "./worker-plugin.ts";

const loop = await WebAssembly.compile(await readFile(new URL("../../../../test/fixtures/build/loop.wasm", import.meta.url)));

/** A WorkerPlugin over the loop fixture; `made` holds every Extism plugin it created. */
async function start(timeoutMs: number, restarts: string[] = [], prewarm = false) {
  const made: BackgroundExtismPlugin[] = [];
  const plugin = await WorkerPlugin.start({
    name: "loop",
    timeoutMs,
    prewarm,
    memoryPages: 16,
    lifecycle: true,
    create: async () => {
      const p = (await createPlugin({ wasm: [{ module: loop }] }, { runInWorker: true, timeoutMs })) as BackgroundExtismPlugin;
      made.push(p);
      return p;
    },
    restartLifecycle: async (instance) => {
      restarts.push((await instance.call("get_metadata"))?.text() ?? "");
    },
  });
  return { plugin, made };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("WorkerPlugin (Node worker_threads)", () => {
  test("a worker that exits on its own fails the call in flight and is replaced on the next call", async () => {
    const restarts: string[] = [];
    const { plugin, made } = await start(5000, restarts);
    const inFlight = rejection(plugin.call("spin"));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Terminate the thread behind the WorkerPlugin's back: only its "exit" event tells.
    await made[0]?.worker?.terminate();
    const error = await inFlight;
    expect(isThreadspaceError(error, "plugin_trap")).toBe(true);
    expect((error as Error).message).toMatch(/spin stopped: its worker exited/);
    expect((await plugin.call("echo", "back"))?.text()).toBe("back");
    expect(made).toHaveLength(2);
    expect(restarts).toEqual(['{"name":"loop","version":"1.0.0"}']);
    expect(plugin.stats).toMatchObject({ crashes: 1, restarts: 1, timeouts: 0 });
    await plugin.close();
  });

  test("a timeout terminates the worker at once; Extism's own timer is off after start", async () => {
    const { plugin, made } = await start(150);
    expect(made[0]?.opts.timeoutMs).toBeNull();
    const started = performance.now();
    const error = await rejection(plugin.call("spin"));
    expect(isThreadspaceError(error, "timeout")).toBe(true);
    expect(performance.now() - started).toBeLessThan(150 + 50);
    expect((await plugin.call("echo", "x"))?.text()).toBe("x");
    expect(made[0]?.worker).toBeNull(); // closed by us, not restarted by Extism
    expect(made).toHaveLength(2);
    expect(plugin.stats).toMatchObject({ timeouts: 1, restarts: 1 });
    await plugin.close();
    await expect(plugin.call("echo", "x")).rejects.toThrow(/unloading/);
  });

  test("with prewarm, the replacement worker starts right after a timeout; the next call runs its lifecycle on it", async () => {
    const restarts: string[] = [];
    const { plugin, made } = await start(150, restarts, true);
    expect(isThreadspaceError(await rejection(plugin.call("spin")), "timeout")).toBe(true);
    // Started with no call waiting for it, and only one.
    await expect.poll(() => made.length).toBe(2);
    expect(restarts).toEqual([]); // the lifecycle waits for the next call
    expect((await plugin.call("echo", "warm"))?.text()).toBe("warm");
    expect(made).toHaveLength(2);
    expect(restarts).toEqual(['{"name":"loop","version":"1.0.0"}']);
    // Closing the plugin closes a spare too.
    expect(isThreadspaceError(await rejection(plugin.call("spin")), "timeout")).toBe(true);
    await expect.poll(() => made.length).toBe(3);
    await plugin.close();
    await expect.poll(() => made[2]?.worker ?? null).toBeNull();
  });

  test("reset() runs while idle every resetEvery calls", async () => {
    const { plugin } = await start(5000);
    for (let i = 0; i < 40; i++) expect((await plugin.call("echo", `${i}`))?.text()).toBe(`${i}`);
    expect(plugin.stats.resets).toBe(2);
    await plugin.close();
  });
});
