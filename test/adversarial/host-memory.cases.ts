import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";
import { quietLogger } from "../support/quiet-logger.ts";

const MIB = 1024 * 1024;
/** The fixture's counts are its input's length. */
const times = (n: number): string => "x".repeat(n);

/**
 * Issue 10, item 1: every byte a plugin makes the host hold through the Extism kernel (blocks it
 * allocates and never frees, vars) counts against limits.hostMemoryBytes / maxVarBytes, inline
 * and in a worker. Under memoryPages 16 (1 MiB of guest memory) a plugin held 1 GiB through
 * `alloc` and 576 MiB through `var_set` before.
 */
export function hostMemoryCases(env: TestEnv, modes: readonly ("inline" | "pool" | "worker")[] = ["inline", "worker"]): void {
  for (const isolation of modes) {
    describe(`adversarial: host memory through the Extism kernel (${isolation})`, () => {
      let engine: Engine | undefined;
      afterEach(async () => {
        await engine?.close();
        engine = undefined;
      });
      const start = async (limits: Record<string, unknown> = {}) => {
        engine = await createEngine({ grant: true, logger: quietLogger() });
        await engine.install(await fixture(env, "host-memory", { limits: { memoryPages: 16, isolation, ...limits } }));
        return engine;
      };

      test("hostMemoryBytes defaults from memoryPages and shows in engine.get", async () => {
        const e = await start();
        const limits = e.get("host-memory")?.limits as unknown as Record<string, number>;
        expect(limits["hostMemoryBytes"]).toBe(16 * MIB);
        expect(limits["maxVarBytes"]).toBe(1 * MIB);
      });

      test("one 1 GiB alloc under a 1 MiB guest fails with memory_limit before the host allocates it; the plugin keeps working", async () => {
        const e = await start();
        const error = await expectCode(e.call("host-memory", "big_alloc", times(16_384)), "memory_limit");
        expect(error.message).toContain("hostMemoryBytes");
        expect((await e.call("host-memory", "alloc_free", times(4))).text()).toBe("ok");
      });

      test("allocating 64 KiB blocks and never freeing them stops at the cap (memory_limit)", async () => {
        const e = await start({ hostMemoryBytes: 4 * MIB });
        await expectCode(e.call("host-memory", "leak", times(128)), "memory_limit");
        // The call's blocks were freed: the next call has the whole cap again.
        expect((await e.call("host-memory", "leak", times(32))).text()).toBe("ok");
      });

      test("blocks freed once used do not count: 128 MiB through 64 KiB blocks under a 4 MiB cap works", async () => {
        const e = await start({ hostMemoryBytes: 4 * MIB });
        expect((await e.call("host-memory", "alloc_free", times(2048))).text()).toBe("ok");
      });

      test("vars past maxVarBytes fail with memory_limit (576 MiB of var_set before)", async () => {
        const e = await start();
        // A var overwritten under one key stays within the cap, call after call.
        for (let i = 0; i < 3; i++) expect((await e.call("host-memory", "var_one")).text()).toBe("ok");
        await expectCode(e.call("host-memory", "var_bomb", times(9_216)), "memory_limit");
      });

      test("vars count against hostMemoryBytes across calls", async () => {
        const e = await start({ hostMemoryBytes: 2 * MIB, maxVarBytes: 2 * MIB });
        expect((await e.call("host-memory", "var_bomb", times(16))).text()).toBe("ok");
        await expectCode(e.call("host-memory", "var_bomb", times(40)), "memory_limit");
      });

      test("host replies the plugin never frees count too", async () => {
        const e = await start({ hostMemoryBytes: 1 * MIB });
        await e.kv("host-memory").set("a", "v".repeat(60_000));
        await expectCode(e.call("host-memory", "kv_calls", times(40)), "memory_limit");
        expect(JSON.parse((await e.call("host-memory", "kv_calls_free", times(40))).text())).toEqual({ ok: "v".repeat(60_000) });
      });
    });
  }
}
