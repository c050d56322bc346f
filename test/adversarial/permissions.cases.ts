import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";
import { quietLogger } from "../support/quiet-logger.ts";

const quiet = quietLogger();

/** Issue 10, items 7, 9, 10 and 11: what a plugin may reach through its name, its dependencies and its plugin.json. */
export function permissionsCases(env: TestEnv): void {
  describe("adversarial: permissions and identity", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });

    const replyOf = async (e: Engine, request: unknown): Promise<{ ok?: unknown; error?: { code: string; message: string } }> =>
      JSON.parse((await e.call("host-call", "call", JSON.stringify(request))).text()) as { ok?: unknown; error?: { code: string; message: string } };

    test("item 7: a dependent cannot call its dependency's lifecycle exports through ts_plugin_call, nor the embedder through engine.call", async () => {
      engine = await createEngine({ grant: true, logger: quiet });
      await engine.install(await fixture(env, "ok"));
      await engine.install(await fixture(env, "host-call", { limits: { isolation: "worker" } }));
      for (const exportName of ["init_plugin", "get_metadata", "cleanup", "on_event", "on_config_change", "health_check", "on_tick", "debug_info"]) {
        const reply = await replyOf(engine, { plugin: "ok", export: exportName, input: "{}" });
        expect(reply.error?.code, exportName).toBe("permission_denied");
        await expectCode(engine.call("ok", exportName), "permission_denied");
      }
      // Its own exports still work, and the engine still runs the lifecycle (health asks health_check).
      expect(await replyOf(engine, { plugin: "ok", export: "echo", input: "hi" })).toEqual({ ok: "hi" });
      expect((await engine.health("ok")).status).toBe("healthy");
    });

    test("item 9: names the engine uses for itself are refused with manifest_invalid at $.name", async () => {
      engine = await createEngine({ grant: true, logger: quiet });
      for (const name of ["host", "engine", "threadspace", "system"]) {
        const error = await expectCode(engine.install(await fixture(env, "ok", { name })), "manifest_invalid");
        expect(error.message).toContain("reserved");
        expect(JSON.stringify((error as unknown as { issues?: unknown }).issues ?? error.message)).toContain("$.name");
      }
    });

    test("item 10: a dependent's trapping inputs do not open the callee's circuit for the embedder", async () => {
      engine = await createEngine({ grant: true, logger: quiet });
      await engine.install(await fixture(env, "trap"));
      await engine.install(await fixture(env, "host-call", { dependencies: ["trap"], limits: { isolation: "worker" } }));
      for (let i = 0; i < 8; i++) {
        const reply = await replyOf(engine, { plugin: "trap", export: "boom" });
        expect(reply.error?.code).toBe("call_failed");
      }
      expect((await engine.call("trap", "echo", "still here")).text()).toBe("still here");
      const health = await engine.health("trap");
      expect(health.engine.errors).toBeGreaterThanOrEqual(8);
      // The embedder's own failing calls still open it.
      for (let i = 0; i < 5; i++) await expectCode(engine.call("trap", "boom"), "plugin_trap");
      await expectCode(engine.call("trap", "echo", "x"), "plugin_unavailable");
    });

    test("item 11: limits.isolation \"worker\" in the host's policy moves a plugin that asks for inline; an isolation string is refused", async () => {
      engine = await createEngine({ grant: true, logger: quiet, limits: { isolation: "worker" } });
      const info = await engine.install(await fixture(env, "ok", { limits: { isolation: "inline" } }));
      expect(info.limits.isolation).toBe("worker");
      expect(info.limitNotes.join(" ")).toContain('moved to "worker" by policy');
      // createEngine's options check refuses a string there, pointing at limits.isolation.
      const refused = await expectCode(createEngine({ isolation: "worker" as never }), "bad_input");
      expect(refused.message).toContain("limits.isolation");
    });
  });
}
