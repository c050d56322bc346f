import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";
import { watToWasm } from "../../packages/core/src/limits/test-support/wat.ts";

/** A plain Extism plugin whose table starts with `elements` elements. */
async function bigTable(elements: number, isolation: "inline" | "pool" | "worker") {
  const wasm = await watToWasm(`(module (table ${elements} funcref) (memory (export "memory") 1) (func (export "noop") (result i32) (i32.const 0)))`);
  return { manifest: { name: "big-table", version: "1.0.0", description: "", author: "", dependencies: [], capabilities: [], config: {}, interface: "extism", limits: { isolation } }, wasm };
}

/**
 * Issue 10, item 2: a `table.grow` bomb once aborted the whole Node process (V8 out of heap),
 * inline and in a worker, because nothing bounded a table. The install-time rewrite
 * (docs/metering.md) writes every table's maximum (`limits.tableElements`, default 100,000), so
 * `table.grow` past it returns -1 and the plugin's own trap fails only its call; a table that
 * starts above the cap is refused at install.
 */
export function tableBombCases(env: TestEnv, modes: readonly ("inline" | "pool" | "worker")[] = ["inline", "worker"]): void {
  for (const isolation of modes) {
    describe(`adversarial: table.grow bomb (${isolation})`, () => {
      let engine: Engine | undefined;
      afterEach(async () => {
        await engine?.close();
        engine = undefined;
      });

      test("table.grow stops at limits.tableElements: the call traps, the host and the plugin keep serving", async () => {
        engine = await createEngine();
        const info = await engine.install(await fixture(env, "table-bomb", { limits: { isolation } }));
        expect(info.limits.tableElements).toBe(100_000);
        await expectCode(engine.call("table-bomb", "grow"), "plugin_trap");
        expect((await engine.call("table-bomb", "size")).text()).toBe("1");
        await expectCode(engine.call("table-bomb", "grow"), "plugin_trap");
        expect((await engine.call("table-bomb", "size")).text()).toBe("1");
      });

      test("the host's policy caps what plugin.json asks for", async () => {
        engine = await createEngine({ limits: { tableElements: 10 } });
        const info = await engine.install(await fixture(env, "table-bomb", { limits: { isolation, tableElements: 5_000_000 } }));
        expect(info.limits.tableElements).toBe(10);
        expect(info.limitNotes.join(" ")).toMatch(/tableElements: asked for 5000000 table elements, capped by policy to 10 table elements/);
        await expectCode(engine.call("table-bomb", "grow"), "plugin_trap");
      });

      test("a table that starts above the cap is refused at install, and nothing is installed", async () => {
        engine = await createEngine();
        const error = await expectCode(engine.install(await bigTable(200_000, isolation)), "limit_exceeded");
        expect(error.message).toMatch(/200000/);
        expect(engine.list()).toEqual([]);
        expect((await engine.install(await bigTable(100_000, isolation))).name).toBe("big-table");
      });
    });
  }
}
