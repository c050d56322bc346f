import { createEngine } from "@threadspace/core";
import { canSuspend } from "@threadspace/host";
import { describe, expect, test } from "vitest";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

type Reply = { ok?: unknown; error?: { code: string; message: string } };

/**
 * ts_plugin_call: a plugin calls an export of one of its dependencies. The caller is suspended
 * while the callee runs, which needs JSPI (Chromium, workerd); elsewhere it replies `unsupported`.
 */
export function hostPluginCallContract(env: TestEnv): void {
  describe("host API: plugin calls", () => {
    const setup = async () => {
      const engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "ok"));
      await engine.install(await fixture(env, "trap"));
      await engine.install(await fixture(env, "host-call"));
      const call = async (request: Record<string, unknown>) => (await engine.call("host-call", "call", request)).json<Reply>();
      return { engine, call };
    };

    test.runIf(canSuspend)("calls an export of a dependency and replies with its output (JSPI)", async () => {
      const { engine, call } = await setup();
      expect(await call({ plugin: "ok", export: "echo", input: "Wörld 🌍" })).toEqual({ ok: "Wörld 🌍" });
      expect(await call({ plugin: "ok", export: "counter" })).toEqual({ ok: "1" });
      expect((await call({ plugin: "ok", export: "missing" })).error?.code).toBe("not_found");
      expect((await call({ plugin: "trap", export: "boom" })).error?.code).toBe("permission_denied");
      expect((await call({ plugin: "ok" })).error?.code).toBe("bad_request");
      expect((await engine.call("ok", "counter")).text()).toBe("2");
      engine.permissions.revoke("host-call", ["plugin:call"]);
      expect((await call({ plugin: "ok", export: "echo" })).error?.code).toBe("permission_denied");
      await engine.close();
    });

    // workerd has no workers; there the JSPI case above covers plugin calls.
    test.skipIf(env.runtime === "workerd")("works everywhere when the caller runs in a worker (Extism serves async host functions there)", async () => {
      const engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "ok"));
      await engine.install(await fixture(env, "host-call", { limits: { isolation: "worker" } }));
      const reply = (await engine.call("host-call", "call", { plugin: "ok", export: "echo", input: "from a worker" })).json<Reply>();
      expect(reply).toEqual({ ok: "from a worker" });
      await engine.close();
    });

    test("a dependency whose circuit breaker is open is refused fast, as the embedder's calls are", async () => {
      const engine = await createEngine({ grant: true, circuitBreaker: { failures: 2, retryAfterMs: 60_000 } });
      await engine.install(await fixture(env, "trap"));
      // Inline in workerd, which has no workers but has JSPI.
      await engine.install(await fixture(env, "host-call", { dependencies: ["trap@^1.0.0"], limits: { isolation: env.runtime === "workerd" ? "inline" : "worker" } }));
      const call = async () => (await engine.call("host-call", "call", { plugin: "trap", export: "echo", input: "x" })).json<Reply>();
      expect(await call()).toEqual({ ok: "x" });
      // Two traps in a row open trap's circuit.
      for (let i = 0; i < 2; i++) await engine.call("trap", "boom").catch(() => undefined);
      expect((await engine.health("trap")).engine.circuit?.state).toBe("open");
      const reply = await call();
      expect(reply.error?.code).toBe("call_failed");
      expect(reply.error?.message).toMatch(/plugin_unavailable.*circuit breaker/);
      expect((await engine.health("trap")).engine.calls).toBe(3); // the refused call never reached it
      await engine.close();
    });

    test("an oversize request is too_large and a malformed one bad_request, before anything runs", async () => {
      const engine = await createEngine({ grant: true, maxRequestBytes: 64 });
      await engine.install(await fixture(env, "ok"));
      await engine.install(await fixture(env, "host-call"));
      const call = async (request: unknown) => (await engine.call("host-call", "call", request as string)).json<Reply>();
      expect((await call({ plugin: "ok", export: "echo", input: "x".repeat(100) })).error?.code).toBe("too_large");
      expect((await call("not json")).error?.code).toBe("bad_request");
      expect((await engine.call("ok", "counter")).text()).toBe("1");
      await engine.close();
    });

    test.runIf(!canSuspend)("replies unsupported, clearly, where no JSPI exists (Node inline)", async () => {
      const { engine, call } = await setup();
      const reply = await call({ plugin: "ok", export: "echo", input: "x" });
      expect(reply.error?.code).toBe("unsupported");
      expect(reply.error?.message).toMatch(/JSPI/);
      await engine.close();
    });
  });
}
