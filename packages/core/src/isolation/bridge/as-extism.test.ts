import { ThreadspaceError } from "@threadspace/errors";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerPlugin } from "../worker-plugin.ts";
import { asBackgroundPlugin } from "./as-extism.ts";
import { BridgePlugin, type BridgeCallContext } from "./bridge-plugin.ts";
import type { HostValue } from "./protocol.js";

const module = WebAssembly.compile(await readFile(new URL("../../../../../test/fixtures/build/isolation.wasm", import.meta.url)));
const open: WorkerPlugin[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((plugin) => plugin.close()));
});

async function start(timeoutMs: number): Promise<WorkerPlugin> {
  const plugin = await WorkerPlugin.start({
    name: "isolation",
    timeoutMs,
    memoryPages: 16,
    lifecycle: false,
    create: async () =>
      asBackgroundPlugin(
        await BridgePlugin.start(await module, {
          functions: { ts_kv_set: (context: BridgeCallContext, handle: HostValue) => context.store(`${context.read(handle as bigint)?.text()}@${context.hostContext<{ id: string }>()?.id}`) },
        }),
      ),
    restartLifecycle: async () => {},
  });
  open.push(plugin);
  return plugin;
}

describe("the bridge behind the engine's WorkerPlugin (timeouts, restarts)", () => {
  it("serves calls and host calls with the call's host context", async () => {
    const plugin = await start(1000);
    expect((await plugin.call("echo", "héllo"))?.text()).toBe("héllo");
    expect((await plugin.call("set", "k", { id: "tx7" } as never))?.text()).toBe("k@tx7");
  });

  it("times out a looping call, terminates its worker and answers the next call on a fresh instance", async () => {
    const plugin = await start(100);
    expect((await plugin.call("counter"))?.text()).toBe("1");
    expect((await plugin.call("counter"))?.text()).toBe("2");
    const error = await plugin.call("spin").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadspaceError);
    expect((error as ThreadspaceError).code).toBe("timeout");
    expect((await plugin.call("counter"))?.text()).toBe("1"); // fresh instance: guest state lost
    expect(plugin.stats.timeouts).toBe(1);
    expect(plugin.stats.restarts).toBe(1);
  });

  it("keeps the instance after a trap", async () => {
    const plugin = await start(1000);
    expect((await plugin.call("counter"))?.text()).toBe("1");
    await expect(plugin.call("boom")).rejects.toThrow(/unreachable/);
    expect((await plugin.call("counter"))?.text()).toBe("2");
  });
});
