import { ThreadspaceError, isThreadspaceError } from "@threadspace/errors";
import { ConfigStore, LogStore } from "@threadspace/host";
import { parseManifest } from "@threadspace/manifest";
import { describe, expect, test } from "vitest";
import type { ExportCaller } from "../calls/plugin-runner.ts";
import { ConfigRuntime, type ConfigControl } from "./config-runtime.ts";

const manifest = parseManifest({
  name: "p",
  version: "1.0.0",
  description: "d",
  author: "a",
  config: { enabled: true, greeting: "hi", log_level: "WARNING" },
  configSchema: { type: "object", properties: { greeting: { type: "string", maxLength: 5 } } },
});

/** A runner stand-in that records the exports called. */
function fakeRunner(calls: string[], fail = false): ExportCaller {
  return {
    exports: new Set(["on_config_change", "on_tick"]),
    callBytes: async (exportName: string, input: string | Uint8Array = "") => {
      calls.push(`${exportName} ${typeof input === "string" ? input : new TextDecoder().decode(input)}`);
      if (fail) throw new Error("plugin broke");
      return new Uint8Array();
    },
  };
}

function setup(control: Partial<ConfigControl> = {}) {
  const store = new ConfigStore();
  const logs = new LogStore();
  const changed: unknown[] = [];
  const calls: string[] = [];
  let runner: ExportCaller | undefined = fakeRunner(calls);
  const runtime = new ConfigRuntime({
    store,
    logs,
    defaultLevel: "warn",
    changed: (plugin, config) => changed.push({ plugin, config }),
    control: {
      runner: () => runner,
      start: async () => void (runner = fakeRunner(calls)),
      checkStop: () => undefined,
      stop: async () => void (runner = undefined),
      ...control,
    },
  });
  runtime.install(manifest);
  return { store, logs, runtime, changed, calls, running: () => runner !== undefined };
}

describe("ConfigRuntime", () => {
  test("a change reaches the store, Extism's config, on_config_change and the changed callback, in order", async () => {
    const { runtime, store, changed, calls } = setup();
    const first = runtime.set("p", { greeting: "hey" });
    const second = runtime.set("p", { greeting: "yo" });
    expect(await first).toMatchObject({ greeting: "hey" });
    expect(await second).toMatchObject({ greeting: "yo" });
    expect(store.get("p")["greeting"]).toBe("yo");
    expect(runtime.extismConfig("p")["greeting"]).toBe("yo");
    expect(calls.map((call) => JSON.parse(call.slice("on_config_change ".length)).greeting)).toEqual(["hey", "yo"]);
    expect(changed).toHaveLength(2);
  });

  test("log_level in the config sets the plugin's level", async () => {
    const { runtime, logs } = setup();
    expect(logs.level("p")).toBe("warn");
    await runtime.set("p", { log_level: "debug" });
    expect(logs.level("p")).toBe("debug");
    await runtime.set("p", { log_level: null });
    expect(logs.level("p")).toBe("warn");
  });

  test("enabled: false stops, enabled: true starts; no on_config_change for either", async () => {
    const { runtime, calls, running } = setup();
    await runtime.set("p", { enabled: false });
    expect(running()).toBe(false);
    expect(runtime.enabled("p")).toBe(false);
    await runtime.set("p", { enabled: true });
    expect(running()).toBe(true);
    expect(calls).toEqual([]);
  });

  test("a refused stop or a failed start leaves the old config", async () => {
    const refusing = setup({ checkStop: () => { throw new ThreadspaceError("dependency_in_use", "needed"); } });
    await expect(refusing.runtime.set("p", { enabled: false })).rejects.toMatchObject({ code: "dependency_in_use" });
    expect(refusing.runtime.enabled("p")).toBe(true);

    const failing = setup({ start: () => Promise.reject(new ThreadspaceError("init_failed", "nope")) });
    await failing.runtime.set("p", { enabled: false });
    await expect(failing.runtime.set("p", { enabled: true, greeting: "new" })).rejects.toMatchObject({ code: "init_failed" });
    expect(failing.store.get("p")).toMatchObject({ enabled: false, greeting: "hi" });
    expect(failing.runtime.extismConfig("p")["enabled"]).toBe("false");
  });

  test("an invalid change rejects with config_invalid and the next change still runs", async () => {
    const { runtime, store } = setup();
    const bad = runtime.set("p", { greeting: "much too long" });
    const good = runtime.set("p", { greeting: "ok" });
    const error = await bad.catch((e: unknown) => e);
    expect(isThreadspaceError(error, "config_invalid") && error.issues).toEqual([{ path: "$.greeting", message: "String is too long (13 > 5)" }]);
    await good;
    expect(store.get("p")["greeting"]).toBe("ok");
  });

  test("a failing on_config_change is written to the plugin's log, not thrown", async () => {
    const { runtime, logs } = setup({ runner: () => fakeRunner([], true) });
    await runtime.set("p", { greeting: "x" });
    expect(logs.read("p").map((entry) => [entry.source, entry.message])).toEqual([["engine", "on_config_change failed: plugin broke"]]);
  });
});
