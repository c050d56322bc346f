import { createEngine, typedPlugin, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

const ITEM = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[a-z0-9]{1,8}$" }, tags: { type: "array", items: { type: "string" }, maxItems: 2 } },
  additionalProperties: false,
};

/** The `ok` fixture with schemas on its exports: `echo` takes an item, `counter` a small integer. */
const EXPORTS = {
  echo: { description: "Returns its input.", input: ITEM, output: { type: "object" } },
  counter: { input: { type: "integer", minimum: 0, maximum: 9 } },
};

/** Export schemas (plugin.json `exports`, docs/exports.md): inputs checked before the plugin runs, outputs in debug mode. */
export function exportsContract(env: TestEnv): void {
  describe("export schemas", () => {
    let engine: Engine;
    afterEach(() => engine.close());

    test("a bad input fails with bad_input and its JSON path before the plugin runs: no call, no fuel, no count", async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports: EXPORTS }));
      expect((await engine.call("ok", "counter", 0)).text()).toBe("1");
      const wrong = await expectCode(engine.call("ok", "counter", 42), "bad_input");
      expect(wrong.issues[0]?.path).toBe("$");
      expect(wrong.message).toContain("exports.counter.input");
      await expectCode(engine.call("ok", "counter", "not json"), "bad_input");
      await expectCode(engine.call("ok", "counter"), "bad_input");
      await expectCode(engine.call("ok", "counter", new Uint8Array([0xff, 0xfe])), "bad_input");
      // The counter did not move: the export never ran.
      expect((await engine.call("ok", "counter", "3")).text()).toBe("2");
      const stats = (await engine.health("ok")).engine;
      expect(stats).toMatchObject({ calls: 2, errors: 0 });

      const nested = await expectCode(engine.call("ok", "echo", { id: "ABC", tags: ["a", 1] }), "bad_input");
      expect(nested.issues.map((issue) => issue.path).sort()).toEqual(["$.id", "$.tags[1]"]);
      const extra = await expectCode(engine.call("ok", "echo", { id: "a", more: true }), "bad_input");
      expect(extra.issues.map((issue) => issue.path)).toContain("$.more");
      expect((await engine.call("ok", "echo", { id: "a1", tags: ["x"] })).json()).toEqual({ id: "a1", tags: ["x"] });
      expect((await engine.call("ok", "echo", '{"id":"b2"}')).json()).toEqual({ id: "b2" });
    });

    test("a text input is checked as a string; bytes are not checked", async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports: { echo: { input: { encoding: "text", type: "string", minLength: 1, maxLength: 5 } }, counter: { input: { encoding: "bytes" } } } }));
      expect((await engine.call("ok", "echo", "héllo")).text()).toBe("héllo");
      const long = await expectCode(engine.call("ok", "echo", "too long"), "bad_input");
      expect(long.issues[0]?.path).toBe("$");
      await expectCode(engine.call("ok", "echo", ""), "bad_input");
      expect((await engine.call("ok", "counter", new Uint8Array([0xff]))).text()).toBe("1");
    });

    test("engine.get(name).exports carries each export's full schema; exports without one are listed by name", async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports: EXPORTS }));
      const exports = engine.get("ok")?.exports ?? [];
      expect(exports.find((e) => e.name === "echo")).toEqual({ name: "echo", ...EXPORTS.echo });
      expect(exports.find((e) => e.name === "health_check")).toEqual({ name: "health_check" });
      // What get() returns is frozen (the validated plugin.json): nothing the engine enforces can be changed through it.
      const counterInput = exports.find((e) => e.name === "counter")?.input as Record<string, unknown>;
      expect(() => {
        counterInput["maximum"] = 1000;
      }).toThrow(TypeError);
      expect(Object.isFrozen(engine.get("ok")?.manifest.limits)).toBe(true);
      await expectCode(engine.call("ok", "counter", 42), "bad_input");
    });

    test("an exports entry naming a function the wasm does not export is export_missing at install", async () => {
      engine = await createEngine();
      const error = await expectCode(engine.install(await fixture(env, "ok", { exports: { ...EXPORTS, analyse: {} } })), "export_missing");
      expect(error.issues).toEqual([{ path: "$.exports.analyse", message: `the wasm has no export "analyse".` }]);
      expect(error.message).toContain("echo");
      expect(engine.get("ok")).toBeUndefined();
    });

    test("a schema the validator cannot compile fails the install with manifest_invalid and its path", async () => {
      engine = await createEngine();
      const exports = { echo: { input: { $id: "urn:item", properties: { a: { $id: "urn:item" } } } } };
      const error = await expectCode(engine.install(await fixture(env, "ok", { exports })), "manifest_invalid");
      expect(error.issues[0]?.path).toBe("$.exports.echo.input");
      expect(engine.get("ok")).toBeUndefined();
    });

    test("a manifest without exports keeps working unchanged", async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok"));
      expect((await engine.call("ok", "echo", "anything")).text()).toBe("anything");
      expect(engine.get("ok")?.exports.every((e) => Object.keys(e).join() === "name")).toBe(true);
    });

    test("checkOutputs (debug mode) fails an output that breaks its schema with output_invalid; off by default", async () => {
      const exports = { echo: { output: { type: "object", required: ["ok"] } } };
      engine = await createEngine({ checkOutputs: true });
      await engine.install(await fixture(env, "ok", { exports }));
      expect((await engine.call("ok", "echo", '{"ok":1}')).json()).toEqual({ ok: 1 });
      const error = await expectCode(engine.call("ok", "echo", "[1]"), "output_invalid");
      expect(error.issues[0]?.path).toBe("$");
      await expectCode(engine.call("ok", "echo", "plain text"), "output_invalid");
      await engine.close();
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports }));
      expect((await engine.call("ok", "echo", "[1]")).text()).toBe("[1]");
    });

    test("typedPlugin encodes and decodes as the schemas say", async () => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports: { echo: { input: ITEM, output: { type: "object" } }, counter: { input: { encoding: "text" }, output: { encoding: "text" } } } }));
      interface OkExports {
        echo: { input: { id: string; tags?: string[] }; output: { id: string; tags?: string[] } };
        counter: { input: string | undefined; output: string };
      }
      const ok = typedPlugin<OkExports>(engine, "ok");
      expect(await ok.echo({ id: "z9" })).toEqual({ id: "z9" });
      expect(await ok.counter()).toBe("1");
      await expectCode(ok.echo({ id: "NOPE" }), "bad_input");
    });

    test.skipIf(env.runtime === "workerd").each(["worker", "pool"])("inputs are checked the same way for a plugin in isolation %s", async (isolation) => {
      engine = await createEngine();
      await engine.install(await fixture(env, "ok", { exports: EXPORTS, limits: { isolation } }));
      await expectCode(engine.call("ok", "counter", 42), "bad_input");
      expect((await engine.call("ok", "counter", 1)).text()).toBe("1");
    });
  });
}
