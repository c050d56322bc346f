import { createEngine, type Engine, type EngineOptions } from "@threadspace/core";
import { memoryStorage } from "@threadspace/storage";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

/**
 * Issue 10, item 16: `limits.storageBytes` holds without a storage driver (the in-memory
 * default) exactly as with one: a plugin could keep as much as it liked in the host's memory.
 */
export function quotaCases(env: TestEnv): void {
  const setups: [string, () => EngineOptions][] = [
    ["no storage driver", () => ({})],
    ["memoryStorage()", () => ({ storage: memoryStorage() })],
  ];
  for (const [label, options] of setups) {
    describe(`adversarial: storage quotas (${label})`, () => {
      let engine: Engine | undefined;
      afterEach(async () => {
        await engine?.close();
        engine = undefined;
      });
      const start = async () => {
        engine = await createEngine({ grant: true, ...options() });
        await engine.install(await fixture(env, "host-kv", { limits: { storageBytes: 2_000 } }));
        return engine;
      };
      const set = (e: Engine, key: string, bytes: number) => e.call("host-kv", "set", JSON.stringify({ key, value: "x".repeat(bytes) }));

      test("a plugin's writes past limits.storageBytes fail with quota_exceeded and keep nothing", async () => {
        const e = await start();
        expect((await set(e, "a", 1_200)).json()).toEqual({ ok: true });
        await expectCode(set(e, "b", 1_200), "quota_exceeded");
        expect(e.kv("host-kv").keys()).toEqual(["a"]);
        // Deleting makes room again.
        expect((await e.call("host-kv", "delete", JSON.stringify({ key: "a" }))).json()).toEqual({ ok: true });
        expect((await set(e, "b", 1_200)).json()).toEqual({ ok: true });
      });

      test("1,000 writes of 1 KiB stop at the quota (they all went through before)", async () => {
        const e = await start();
        let refused = 0;
        for (let i = 0; i < 1_000; i++) await set(e, `k${i}`, 1_024).catch(() => refused++);
        expect(refused).toBeGreaterThanOrEqual(998);
        expect(e.kv("host-kv").keys().length).toBeLessThanOrEqual(2);
      });

      test("the embedder's writes for the plugin count against its quota", async () => {
        const e = await start();
        e.kv("host-kv").set("seeded", "y".repeat(1_500));
        await expectCode(set(e, "b", 1_000), "quota_exceeded");
        await expectCode(e.kv("host-kv").set("more", "z".repeat(1_000), { durable: true }), "quota_exceeded");
      });
    });
  }
}
