import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

const times = (n: number): string => "x".repeat(n);

/**
 * Issue 10, item 3: many host calls in one call. @extism/extism rc13 gives a call 32,767 block
 * slots and never reuses a freed one within the call; each host call takes two (request and
 * reply), so about 16,000 host calls is where a call breaks ("cannot assign to this block",
 * then DataView traps). The default `hostCallsPerCall` (10,000) and its ceiling (16,000) stay
 * below that, and a call that runs out of slots anyway fails with `limit_exceeded`.
 */
export function hostCallsCases(env: TestEnv, modes: readonly ("inline" | "pool" | "worker")[] = ["inline", "worker"]): void {
  for (const isolation of modes) {
    describe(`adversarial: many host calls in one call (${isolation})`, () => {
      let engine: Engine | undefined;
      afterEach(async () => {
        await engine?.close();
        engine = undefined;
      });
      const start = async (limits: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) => {
        engine = await createEngine({ grant: true, limits: policy });
        await engine.install(await fixture(env, "host-memory", { limits: { isolation, timeoutMs: 30_000, ...limits } }));
        return engine;
      };

      test("20,000 host calls fail with limit_exceeded (hostCallsPerCall defaults to 10,000), not a kernel trap", async () => {
        const e = await start();
        expect(e.get("host-memory")?.limits.hostCallsPerCall).toBe(10_000);
        const error = await expectCode(e.call("host-memory", "kv_calls_free", times(20_000)), "limit_exceeded");
        expect(error.message).toContain("hostCallsPerCall");
      });

      test("16,000 host calls (the ceiling) work when plugin.json asks for them; more is capped with a note", async () => {
        const e = await start({ hostCallsPerCall: 150_000 });
        const info = e.get("host-memory");
        expect(info?.limits.hostCallsPerCall).toBe(16_000);
        expect(info?.limitNotes.join(" ")).toContain("hostCallsPerCall");
        expect(JSON.parse((await e.call("host-memory", "kv_calls_free", times(16_000))).text())).toEqual({ ok: null });
        await expectCode(e.call("host-memory", "kv_calls_free", times(16_001)), "limit_exceeded");
      });

      test("a host policy above what the kernel can serve still ends in limit_exceeded, never a trap (150,000 host calls)", async () => {
        const e = await start({ hostCallsPerCall: 150_000 }, { hostCallsPerCall: 1_000_000 });
        const error = await expectCode(e.call("host-memory", "kv_calls_free", times(150_000)), "limit_exceeded");
        expect(error.message).toContain("block");
      });

      test("a call that uses up Extism's 32,767 block slots fails with limit_exceeded and the plugin keeps working", async () => {
        const e = await start();
        const error = await expectCode(e.call("host-memory", "alloc_zero", times(40_000)), "limit_exceeded");
        expect(error.message).toContain("32767");
        expect((await e.call("host-memory", "alloc_zero", times(10))).text()).toBe("ok");
      });
    });
  }
}
