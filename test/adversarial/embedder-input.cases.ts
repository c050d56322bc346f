import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

/** Values a careless embedder may pass: each must be refused with bad_input and a path, keeping nothing. */
function hostile(wideKeys: number): [string, unknown, string][] {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle["self"] = cycle;
  const getter = Object.defineProperty({}, "boom", { enumerable: true, get: () => { throw new Error("getter ran"); } });
  const keysTrap = new Proxy({}, { ownKeys: () => { throw new Error("ownKeys trap"); } });
  const protoTrap = new Proxy({}, { getPrototypeOf: () => { throw new Error("getPrototypeOf trap"); } });
  const wide: Record<string, number> = {};
  for (let i = 0; i < wideKeys; i++) wide[`k${i}`] = i;
  let deep: unknown = null;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  return [
    ["a throwing getter", { nested: getter }, "$.nested.boom"],
    ["a Proxy whose ownKeys throws", { p: keysTrap }, "$.p"],
    ["a Proxy whose getPrototypeOf throws", { p: protoTrap }, "$.p"],
    ["a cycle", { c: cycle }, "$.c.self"],
    [`${wideKeys} keys`, { wide }, "$.wide"],
    ["10,000 levels", { deep }, "$.deep"],
    ["a Date", { when: new Date(0) }, "$.when"],
    ["a lone surrogate", { text: "a\ud800" }, "$.text"],
  ];
}

/**
 * Issue 10, item 15: embedder input is copied and validated once at the boundary (size, depth,
 * key count, plain data), failing with bad_input and a path: engine.config.set with 1,000,000
 * keys, a throwing getter or a Proxy that throws on ownKeys misbehaved.
 */
export function embedderInputCases(env: TestEnv): void {
  describe("adversarial: embedder input at the boundary", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });
    const start = async () => {
      engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "host-kv"));
      return engine;
    };

    test("engine.config.set refuses each hostile value with bad_input naming the path, and keeps the config", async () => {
      const e = await start();
      const before = e.config.get("host-kv");
      // 1,000,000 keys as in the issue (building the object alone takes seconds on a loaded machine).
      for (const [what, value, path] of hostile(1_000_000)) {
        const error = await expectCode(e.config.set("host-kv", value as never), "bad_input");
        expect(JSON.stringify(error.issues), what).toContain(path.split(".").slice(0, 2).join("."));
      }
      expect(e.config.get("host-kv")).toEqual(before);
    }, 60_000);

    test("kv, memories, threads, events and call inputs refuse them too", async () => {
      const e = await start();
      for (const [what, value] of hostile(150_000)) {
        expect(() => e.kv("host-kv").set("k", value), what).toThrow(expect.objectContaining({ code: "bad_input" }) as never);
        await expectCode(e.kv("host-kv").set("k", value, { durable: true }), "bad_input");
        expect(() => e.memories.put({ content: "x", meta: value } as never), what).toThrow(expect.objectContaining({ code: "bad_input" }) as never);
        expect(() => e.threads.append({ threadId: "t", content: value } as never), what).toThrow(expect.objectContaining({ code: "bad_input" }) as never);
        expect(() => e.events.emit("app.test", value), what).toThrow(expect.objectContaining({ code: "bad_input" }) as never);
        await expectCode(e.call("host-kv", "get", value as never), "bad_input");
      }
      expect(e.kv("host-kv").keys()).toEqual([]);
      expect(() => e.permissions.grant("host-kv", new Proxy([], { ownKeys: () => { throw new Error("trap"); } }) as never)).toThrow(expect.objectContaining({ code: "bad_input" }) as never);
    }, 60_000);

    test("what was passed is copied: changing it afterwards changes nothing", async () => {
      const e = await start();
      const value = { list: [1, 2], nested: { a: "b" } };
      e.kv("host-kv").set("k", value);
      value.list.push(3);
      value.nested.a = "changed";
      expect(e.kv("host-kv").get("k")).toEqual({ list: [1, 2], nested: { a: "b" } });
    });
  });
}
