import { ThreadspaceError } from "@threadspace/errors";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerSupervisor } from "../worker-supervisor.ts";
import { BridgeInstance, type BridgeCallContext } from "./bridge-instance.ts";

const module = WebAssembly.compile(await readFile(new URL("../../../../../test/fixtures/build/isolation.wasm", import.meta.url)));
const text = (outcome: { output: Uint8Array | null }): string | undefined => (outcome.output === null ? undefined : new TextDecoder().decode(outcome.output));
const open: WorkerSupervisor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((plugin) => plugin.close()));
});

async function start(timeoutMs: number): Promise<WorkerSupervisor> {
  const plugin = await WorkerSupervisor.start({
    name: "isolation",
    timeoutMs,
    lifecycle: false,
    create: async () =>
      BridgeInstance.start(await module, {
        plugin: "isolation",
        functions: { ts_kv_set: (context: BridgeCallContext, handle: bigint) => context.store(`${context.read(handle)?.text()}@${context.hostContext<{ id: string }>()?.id}`) },
      }),
    restartLifecycle: async () => {},
  });
  open.push(plugin);
  return plugin;
}

describe("the bridge under the WorkerSupervisor (timeouts, restarts)", () => {
  it("serves calls and host calls with the call's transaction as host context", async () => {
    const plugin = await start(1000);
    expect(text(await plugin.call("echo", "héllo"))).toBe("héllo");
    expect(text(await plugin.call("set", "k", { tx: { id: "tx7" } as never }))).toBe("k@tx7");
  });

  it("times out a looping call, terminates its worker and answers the next call on a fresh instance", async () => {
    const plugin = await start(100);
    expect(text(await plugin.call("counter", ""))).toBe("1");
    expect(text(await plugin.call("counter", ""))).toBe("2");
    const error = await plugin.call("spin", "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadspaceError);
    expect((error as ThreadspaceError).code).toBe("timeout");
    expect(text(await plugin.call("counter", ""))).toBe("1"); // fresh instance: guest state lost
    expect(plugin.stats.timeouts).toBe(1);
    expect(plugin.stats.restarts).toBe(1);
  });

  it("keeps the instance after a trap", async () => {
    const plugin = await start(1000);
    expect(text(await plugin.call("counter", ""))).toBe("1");
    await expect(plugin.call("boom", "")).rejects.toThrow(/unreachable/);
    expect(text(await plugin.call("counter", ""))).toBe("2");
  });
});
