import { createEngine, type EngineLogger } from "@threadspace/core";
import { describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

function captureLogger(): EngineLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]): void => {
    lines.push(args.map(String).join(" "));
  };
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

/** Lifecycle: health, cleanup on unload and close, reload, hooks. */
export function lifecycleContract(env: TestEnv): void {
  describe("lifecycle", () => {
    test("health() reports the plugin's health_check with engine counters", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "ok"));
      await engine.call("ok", "echo", "x");
      const health = await engine.health("ok");
      expect(health).toMatchObject({ status: "healthy", message: "fine", metrics: { n: 1 }, engine: { calls: 1, errors: 0 } });
      await expectCode(engine.health("ghost"), "plugin_not_found");
      await engine.close();
    });

    test("a health_check that traps reports unhealthy instead of throwing", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "health"));
      await engine.call("health", "set_health", JSON.stringify({ status: "degraded", message: "slow disk", metrics: { ms: 900 } }));
      expect(await engine.health("health")).toMatchObject({ status: "degraded", message: "slow disk", metrics: { ms: 900 } });
      await engine.call("health", "set_health", "not json");
      expect((await engine.health("health")).status).toBe("unhealthy");
      await engine.call("health", "set_health", "trap");
      const health = await engine.health("health");
      expect(health.status).toBe("unhealthy");
      expect(health.message).toMatch(/health_check failed/);
      await engine.close();
    });

    test("cleanup runs on unload and on close; an unloaded plugin can be loaded again", async () => {
      const logger = captureLogger();
      const engine = await createEngine({ logger, logLevel: "info" });
      await engine.install(await fixture(env, "lifecycle-log"));
      expect(logger.lines.filter((l) => l.includes("init ran"))).toHaveLength(1);
      await engine.unload("lifecycle-log");
      expect(logger.lines.filter((l) => l.includes("cleanup ran"))).toHaveLength(1);
      expect(engine.get("lifecycle-log")?.state).toBe("unloaded");
      await expectCode(engine.call("lifecycle-log", "echo", "x"), "plugin_unavailable");
      await engine.load("lifecycle-log");
      expect((await engine.call("lifecycle-log", "echo", "back")).text()).toBe("back");
      await engine.close();
      expect(logger.lines.filter((l) => l.includes("cleanup ran"))).toHaveLength(2);
      await expectCode(engine.call("lifecycle-log", "echo", "x"), "engine_closed");
      await expectCode(engine.install(await fixture(env, "ok")), "engine_closed");
    });

    test("uninstall forgets the plugin", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "ok"));
      await engine.uninstall("ok");
      expect(engine.get("ok")).toBeUndefined();
      await engine.install(await fixture(env, "ok"));
      expect(engine.list()).toHaveLength(1);
      await engine.close();
    });

    test("hooks see installs, calls, errors and unloads; call:before can refuse a call", async () => {
      const engine = await createEngine();
      const seen: string[] = [];
      engine.hook("plugin:install", ({ plugin }) => void seen.push(`install ${plugin.name}`));
      engine.hook("plugin:unload", ({ plugin }) => void seen.push(`unload ${plugin}`));
      engine.hook("call:after", (e) => void seen.push(`after ${e.export} ${e.output.text()}`));
      engine.hook("call:error", (e) => void seen.push(`error ${e.export} ${e.error.code}`));
      const remove = engine.hook("call:before", (e) => {
        seen.push(`before ${e.export}`);
        if (e.export === "counter") throw new Error("counter is not allowed here");
      });
      await engine.install(await fixture(env, "ok"));
      await engine.call("ok", "echo", "hi");
      await expect(engine.call("ok", "counter")).rejects.toThrow("not allowed");
      await expectCode(engine.call("ok", "missing"), "export_missing");
      remove();
      await engine.call("ok", "counter");
      await engine.unload("ok");
      expect(seen).toEqual([
        "install ok",
        "before echo",
        "after echo hi",
        "before counter",
        "error counter plugin_error",
        "before missing",
        "error missing export_missing",
        "after counter 1",
        "unload ok",
      ]);
      await engine.close();
    });
  });
}
