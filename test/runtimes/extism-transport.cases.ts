import { createEngine } from "@threadspace/core";
import { describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Extism's own `runInWorker` (`isolation.transport: "extism"`, the fallback where
 * Atomics.waitAsync is missing) in a server runtime: it starts (Deno refuses Extism's default
 * worker flags: the Node adapter passes none there), serves calls, and a loop past timeoutMs is
 * stopped by terminating its worker. Bun runs the whole isolation contract over this transport.
 */
export function extismTransportCases(env: TestEnv): void {
  describe("isolation over Extism's runInWorker", () => {
    test("a worker plugin starts and serves calls; a loop past timeoutMs is terminated (timeout) and the next call runs on a fresh instance", async () => {
      const engine = await createEngine({ logger: quiet, grant: true, isolation: { transport: "extism" } });
      try {
        await engine.install(await fixture(env, "isolation"));
        expect((await engine.call("isolation", "counter")).text()).toBe("1");
        expect((await engine.debugInfo("isolation")).isolation).toMatchObject({ mode: "worker" });
        const error = await expectCode(engine.call("isolation", "spin"), "timeout");
        expect(error.message).toMatch(/spin ran longer than its limit of 300 ms/);
        expect((await engine.call("isolation", "counter")).text()).toBe("1");
      } finally {
        await engine.close();
      }
    });
  });
}
