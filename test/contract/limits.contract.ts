import { createEngine } from "@threadspace/core";
import { describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** Per-plugin limits: guest memory cap, input and output sizes, and the host's policy over them. */
export function limitsContract(env: TestEnv): void {
  // The memory cap is written into the module's bytes before compiling, and the initial memory read
  // from them: workerd's precompiled modules keep their own maximum (limitNotes says so, checked in
  // install.contract.ts; a cap written at build time is checked in test/edge/engine.test.ts).
  const capsBytes = test.skipIf(env.runtime === "workerd");
  describe("limits", () => {
    capsBytes("guest memory stops exactly at limits.memoryPages and the failing call is memory_limit", async () => {
      const engine = await createEngine();
      const info = await engine.install(await fixture(env, "memory-bomb", { limits: { memoryPages: 20 } }));
      expect(info.limits).toMatchObject({ memoryPages: 20 });
      const error = await expectCode(engine.call("memory-bomb", "grow"), "memory_limit");
      expect(error.message).toContain("20 pages");
      expect((await engine.call("memory-bomb", "pages")).text()).toBe("20");
      await engine.close();
    });

    test("a fuel limit is metered: no note says otherwise", async () => {
      const engine = await createEngine();
      const info = await engine.install(await fixture(env, "ok", { limits: { fuel: 1000000 } }));
      expect(info.limits.fuel).toBe(1000000);
      expect(info.metered).toBe(true);
      // (workerd's precompiled modules also carry the memoryPages note: the cap is not written there.)
      expect(info.limitNotes.join(" ")).not.toMatch(/fuel|timeoutMs/);
      await engine.close();
    });

    capsBytes("the host's policy caps what plugin.json asks for, and says so", async () => {
      const engine = await createEngine({ limits: { memoryPages: 8 } });
      const info = await engine.install(await fixture(env, "memory-bomb", { limits: { memoryPages: 1000 } }));
      expect(info.limits).toMatchObject({ memoryPages: 8 });
      expect(info.limitNotes.join(" ")).toMatch(/memoryPages.*capped by policy/);
      await expectCode(engine.call("memory-bomb", "grow"), "memory_limit");
      expect((await engine.call("memory-bomb", "pages")).text()).toBe("8");
      await engine.close();
    });

    capsBytes("a module whose initial memory is above the cap is refused at install", async () => {
      const engine = await createEngine({ limits: { memoryPages: 1 } });
      const error = await expectCode(engine.install(await fixture(env, "big-initial")), "memory_limit");
      expect(error.message).toMatch(/3 pages/);
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("input and output sizes are capped per call; an oversize output discards the call", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "big-output", { limits: { maxOutputBytes: 1000, maxInputBytes: 8 } }));
      expect((await engine.call("big-output", "big", "1000")).bytes.byteLength).toBe(1000);
      const out = await expectCode(engine.call("big-output", "big", "1001"), "limit_exceeded");
      expect(out.message).toContain("1001 bytes");
      const input = await expectCode(engine.call("big-output", "big", "123456789"), "limit_exceeded");
      expect(input.message).toContain("maxInputBytes");
      expect((await engine.call("big-output", "big", "3")).text()).toBe("xxx");
      await engine.close();
    });
  });
}
