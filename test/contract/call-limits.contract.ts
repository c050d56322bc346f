import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Reply {
  ok?: unknown;
  error?: { code: string; message: string };
}

/** Polls `check` every 20 ms until it holds or `ms` pass. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Limits enforced while calls run: host calls per call, events per second, the call queue, the worker cap. */
export function callLimitsContract(env: TestEnv): void {
  describe("limits: host calls, events, queue, workers", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });

    test("a call over limits.hostCallsPerCall gets limit_exceeded replies and then fails with limit_exceeded, its effects discarded", async () => {
      engine = await createEngine({ logger: quiet, grant: true });
      await engine.install(await fixture(env, "host-data", { limits: { hostCallsPerCall: 2 }, subscriptions: [] }));
      const error = await expectCode(engine.call("host-data", "put_three", { content: "over" }), "limit_exceeded");
      expect(error.message).toContain("hostCallsPerCall");
      expect(engine.memories.query({})).toEqual([]);
      // Two host calls are within the limit; the count starts again with every call.
      for (let i = 0; i < 3; i++) {
        const reply = (await engine.call("host-data", "put_then_get", { id: "self", content: `ok ${i}` })).json<Reply>();
        expect(reply.error).toBeUndefined();
      }
      expect(engine.memories.query({})).not.toEqual([]);
    });

    test("ts_event_emit past limits.eventsPerSecond replies limit_exceeded and emits nothing; the bucket refills", async () => {
      engine = await createEngine({ logger: quiet, grant: true });
      await engine.install(await fixture(env, "host-data", { limits: { eventsPerSecond: 2 }, subscriptions: [] }));
      const seen: unknown[] = [];
      engine.events.on("app.*", (event) => void seen.push(event.payload));
      const third = (await engine.call("host-data", "emit_three", {})).json<Reply>();
      expect(third.error?.code).toBe("limit_exceeded");
      expect(third.error?.message).toContain("eventsPerSecond");
      await waitFor(() => seen.length === 2, "the two events within the limit");
      expect(seen).toEqual([1, 2]);
      await waitFor(async () => (await engine!.call("host-data", "event_emit", { topic: "app.later", payload: 3 })).json<Reply>().error === undefined, "a token to come back");
      await waitFor(() => seen.length === 3, "the event after the refill");
    });

    test("calls queue per plugin up to maxQueuedCalls; one more is refused with busy; the queue drains", async () => {
      engine = await createEngine({ logger: quiet, maxQueuedCalls: 2 });
      await engine.install(await fixture(env, "ok"));
      const running = engine.call("ok", "echo", "a");
      const queued = [engine.call("ok", "echo", "b"), engine.call("ok", "echo", "c")];
      const error = await expectCode(engine.call("ok", "echo", "d"), "busy");
      expect(error.message).toContain("maxQueuedCalls");
      expect((await running).text()).toBe("a");
      expect((await Promise.all(queued)).map((result) => result.text())).toEqual(["b", "c"]);
      expect((await engine.call("ok", "echo", "e")).text()).toBe("e");
      expect((await engine.health("ok")).engine.errors).toBe(0);
    });

    test("createEngine rejects an invalid maxQueuedCalls or isolation.maxWorkers", async () => {
      await expect(createEngine({ maxQueuedCalls: -1 })).rejects.toThrow(/maxQueuedCalls/);
      await expect(createEngine({ isolation: { maxWorkers: 0 } })).rejects.toThrow(/maxWorkers/);
    });

    // workerd has no workers (isolation.contract.ts checks what a worker plugin does there).
    test.skipIf(env.runtime === "workerd")("isolation.maxWorkers caps workers: a worker plugin waits for a slot until another gives its worker back", async () => {
      engine = await createEngine({ logger: quiet, grant: true, isolation: { maxWorkers: 1 } });
      await engine.install(await fixture(env, "isolation"));
      let installed = false;
      const second = engine.install(await fixture(env, "ok", { limits: { isolation: "worker" } })).then((info) => {
        installed = true;
        return info;
      });
      // The first plugin serves calls meanwhile; the second install is still waiting for the slot.
      expect((await engine.call("isolation", "echo", "x")).text()).toBe("x");
      expect(installed).toBe(false);
      await engine.unload("isolation");
      expect((await second).limits.isolation).toBe("worker");
      expect((await engine.call("ok", "echo", "y")).text()).toBe("y");
    });

    test.skipIf(env.runtime === "workerd")("with maxWorkers 1 a plugin that times out gets its slot back and restarts", async () => {
      engine = await createEngine({ logger: quiet, grant: true, isolation: { maxWorkers: 1 } });
      await engine.install(await fixture(env, "isolation"));
      await expectCode(engine.call("isolation", "spin"), "timeout");
      expect((await engine.call("isolation", "echo", "after")).text()).toBe("after");
      await engine.unload("isolation");
      await engine.install(await fixture(env, "ok", { limits: { isolation: "worker" } }));
      expect((await engine.call("ok", "echo", "z")).text()).toBe("z");
    });
  });
}
