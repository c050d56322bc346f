import { isThreadspaceError } from "@threadspace/errors";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, test } from "vitest";
import { ExtismWorkerInstance, type ExtismWorkerOptions } from "./extism-worker-instance.ts";

const fixture = async (name: string): Promise<WebAssembly.Module> => WebAssembly.compile(await readFile(new URL(`../../../../test/fixtures/build/${name}.wasm`, import.meta.url)));
const text = (output: Uint8Array | null): string => new TextDecoder().decode(output ?? new Uint8Array(0));
const lines: string[] = [];
const write = (level: string) => (...args: unknown[]) => void lines.push(`${level}:${args.join(" ")}`);
const logger = { trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), log: write("info") } as Pick<Console, "trace" | "debug" | "info" | "warn" | "error" | "log"> as Console;

const open: ExtismWorkerInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((instance) => instance.close()));
});
async function start(name: string, options: Partial<ExtismWorkerOptions> = {}): Promise<ExtismWorkerInstance> {
  const instance = await ExtismWorkerInstance.start(await fixture(name), { plugin: name, useWasi: false, functions: {}, kernel: { config: {}, logLevel: () => "warn" }, logger, logLevel: "warn", startTimeoutMs: 10_000, memoryCap: 16, ...options });
  open.push(instance);
  return instance;
}

describe("ExtismWorkerInstance (Extism's runInWorker)", () => {
  test("resets Extism's host buffers while idle every resetEvery calls", async () => {
    const instance = await start("loop", { resetEvery: 16 });
    for (let i = 0; i < 40; i++) expect(text((await instance.call("echo", `${i}`)).output)).toBe(`${i}`);
    expect(instance.resets).toBe(2);
    expect(instance.memoryPages).toBeUndefined();
  });

  test("serves the live config and log level from the engine's thread", async () => {
    const config: Record<string, string> = { greeting: "hello" };
    const instance = await start("isolation", { kernel: { config, logLevel: () => "warn" }, functions: { ts_kv_set: () => 0n } });
    expect(text((await instance.call("config", "greeting")).output)).toBe("hello");
    config["greeting"] = "hi";
    expect(text((await instance.call("config", "greeting")).output)).toBe("hi");
  });

  test("a trap is plugin_trap naming the memory cap it cannot see; a stack overflow says so; the instance keeps serving", async () => {
    const instance = await start("isolation", { functions: { ts_kv_set: () => 0n }, memoryCap: 20 });
    const trap = await instance.call("boom", "").catch((error: unknown) => error);
    expect(isThreadspaceError(trap, "plugin_trap")).toBe(true);
    expect((trap as Error).message).toMatch(/boom trapped: .*cap of 20 pages/);
    const overflow = await instance.call("recurse", "").catch((error: unknown) => error);
    expect(isThreadspaceError(overflow, "plugin_trap")).toBe(true);
    expect((overflow as Error).message).toMatch(/recurse overflowed its stack/);
    expect(text((await instance.call("counter", "")).output)).toBe("1");
  });
});
