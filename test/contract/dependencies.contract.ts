import { createEngine } from "@threadspace/core";
import { describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** Dependencies between plugins: order, ranges, cycles, unloading. Uses plain plugins under several names. */
export function dependenciesContract(env: TestEnv): void {
  const plain = (name: string, version: string, dependencies: string[] = []) => fixture(env, "plain", { name, version, dependencies });

  describe("dependencies", () => {
    test("a missing dependency is refused, naming the chain", async () => {
      const engine = await createEngine();
      const error = await expectCode(engine.install(await plain("app", "1.0.0", ["base@^1.0.0"])), "dependency_missing");
      expect(error.message).toContain("app → base@^1.0.0");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("a dependency outside the range is refused", async () => {
      const engine = await createEngine();
      await engine.install(await plain("base", "2.1.0"));
      const error = await expectCode(engine.install(await plain("app", "1.0.0", ["base@^1.2.0"])), "dependency_version");
      expect(error.message).toContain("base@2.1.0");
      await engine.install(await plain("app", "1.0.0", ["base@>=2"]));
      expect(engine.list().map((p) => p.name)).toEqual(["base", "app"]);
      await engine.close();
    });

    test("installAll orders a batch by dependencies and names a cycle", async () => {
      const engine = await createEngine();
      const batch = [await plain("c", "1.0.0", ["b"]), await plain("b", "1.0.0", ["a@1"]), await plain("a", "1.0.0")];
      expect((await engine.installAll(batch)).map((p) => p.name)).toEqual(["a", "b", "c"]);
      const cycle = [await plain("x", "1.0.0", ["y"]), await plain("y", "1.0.0", ["z"]), await plain("z", "1.0.0", ["x"])];
      const error = await expectCode(engine.installAll(cycle), "dependency_cycle");
      expect(error.message).toContain("x → y → z → x");
      const deep = [await plain("p", "1.0.0", ["q"]), await plain("q", "1.0.0", ["gone@^3"])];
      const missing = await expectCode(engine.installAll(deep), "dependency_missing");
      expect(missing.message).toContain("p → q → gone@^3");
      expect(engine.list().map((p) => p.name)).toEqual(["a", "b", "c"]);
      await engine.close();
    });

    test("unloading a dependency is refused unless cascade, which unloads dependents first", async () => {
      const engine = await createEngine();
      await engine.installAll([await plain("a", "1.0.0"), await plain("b", "1.0.0", ["a"]), await plain("c", "1.0.0", ["b"])]);
      const error = await expectCode(engine.unload("a"), "dependency_in_use");
      expect(error.message).toContain("b");
      expect(engine.get("a")?.state).toBe("ready");
      const order: string[] = [];
      engine.hook("plugin:unload", ({ plugin }) => void order.push(plugin));
      await engine.unload("a", { cascade: true });
      expect(order).toEqual(["c", "b", "a"]);
      await expectCode(engine.load("b"), "dependency_missing");
      await engine.load("a");
      await engine.load("b");
      await engine.uninstall("a", { cascade: true });
      expect(engine.list()).toEqual([]);
      await engine.close();
    });
  });
}
