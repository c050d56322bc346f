import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** Calls: inputs and outputs, errors from plugins, and the per-plugin queue. */
export function callsContract(env: TestEnv): void {
  describe("call", () => {
    let engine: Engine;
    beforeEach(async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok"));
    });
    afterEach(() => engine.close());

    test("sends strings as UTF-8, bytes as they are and other values as JSON", async () => {
      expect((await engine.call("ok", "echo", "Wörld 🌍")).text()).toBe("Wörld 🌍");
      const bytes = new Uint8Array([0, 255, 1, 128]);
      expect([...(await engine.call("ok", "echo", bytes)).bytes]).toEqual([0, 255, 1, 128]);
      expect((await engine.call("ok", "echo", { a: [1, "x"], b: null })).json()).toEqual({ a: [1, "x"], b: null });
      expect((await engine.call("ok", "echo", 7)).json()).toBe(7);
      expect((await engine.call("ok", "echo")).bytes.byteLength).toBe(0);
    });

    test("refuses inputs JSON cannot hold with bad_input", async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic["self"] = cyclic;
      await expectCode(engine.call("ok", "echo", cyclic), "bad_input");
      await expectCode(engine.call("ok", "echo", { n: 1n } as never), "bad_input");
    });

    test("json() on a non-JSON output is bad_output with the text", async () => {
      const error = await expectCode(Promise.resolve().then(async () => (await engine.call("ok", "echo", "not json")).json()), "bad_output");
      expect(error.message).toContain("not json");
    });

    test("an unknown export is export_missing listing what exists", async () => {
      const error = await expectCode(engine.call("ok", "nope"), "export_missing");
      expect(error.message).toContain("echo");
      expect(error.message).toContain("counter");
    });

    test("an unknown plugin is plugin_not_found", async () => {
      await expectCode(engine.call("ghost", "echo"), "plugin_not_found");
    });

    test("queues concurrent calls to one plugin and runs them in order", async () => {
      const outputs = await Promise.all(Array.from({ length: 50 }, () => engine.call("ok", "counter")));
      expect(outputs.map((o) => Number(o.text()))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    test("a trap is plugin_trap with the trap text, and the plugin keeps serving", async () => {
      await engine.install(await fixture(env, "trap"));
      const error = await expectCode(engine.call("trap", "boom"), "plugin_trap");
      expect(error.message).toMatch(/unreachable/i);
      expect(error.plugin).toBe("trap");
      expect((await engine.call("trap", "echo", "still here")).text()).toBe("still here");
      const stats = (await engine.health("trap")).engine;
      expect(stats).toMatchObject({ calls: 2, errors: 1 });
    });

    test("a plugin's error_set is plugin_error with its message", async () => {
      await engine.install(await fixture(env, "error-set"));
      const error = await expectCode(engine.call("error-set", "fail", "x"), "plugin_error");
      expect(error.message).toContain("bad input: expected a number");
      expect((await engine.call("error-set", "echo", "ok")).text()).toBe("ok");
    });

    test("a failing call does not block calls queued behind it", async () => {
      await engine.install(await fixture(env, "trap"));
      const [first, second] = await Promise.allSettled([engine.call("trap", "boom"), engine.call("trap", "echo", "after")]);
      expect(first.status).toBe("rejected");
      expect(second.status === "fulfilled" && second.value.text()).toBe("after");
    });

    test("calls on other plugins are unaffected by a trapping one", async () => {
      await engine.install(await fixture(env, "trap"));
      const results = await Promise.allSettled([engine.call("trap", "boom"), engine.call("ok", "echo", "fine")]);
      expect(results[1].status === "fulfilled" && results[1].value.text()).toBe("fine");
    });
  });
}
