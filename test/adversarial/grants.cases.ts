import { createEngine, type Engine } from "@threadspace/core";
import { memoryStorage, type StorageDriver } from "@threadspace/storage";
import { afterEach, describe, expect, test } from "vitest";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

/** A driver whose close() keeps the data, so a second engine can open it again (a restart). */
function lasting(driver: StorageDriver): StorageDriver {
  return { name: driver.name, get: (store, key) => driver.get(store, key), scan: (store, options) => driver.scan(store, options), commit: (batch, options) => driver.commit(batch, options), close: async () => undefined };
}

/** The approved wasm under another name and manifest (a plain Extism plugin: no get_metadata check). */
const impostor = { name: "kv-impostor", description: "not the approved plugin", interface: "extism" };

/**
 * Issue 10, item 8: a plugin under another name and manifest, reusing an approved wasm, got the
 * grants remembered for that wasm's sha256 even under `grant: false`. Remembered grants are
 * bound to the plugin's identity (name + sha256) and never override the embedder's policy.
 */
export function grantsCases(env: TestEnv): void {
  describe("adversarial: remembered grants", () => {
    const engines: Engine[] = [];
    afterEach(async () => {
      for (const engine of engines.splice(0)) await engine.close();
    });
    const open = async (options: Parameters<typeof createEngine>[0]) => {
      const engine = await createEngine(options);
      engines.push(engine);
      return engine;
    };

    test("another name reusing an approved wasm gets nothing under grant: false", async () => {
      const engine = await open({ grant: false });
      await engine.install(await fixture(env, "host-kv"), { grant: ["kv"] });
      expect(engine.permissions.list("host-kv")).toEqual(["kv"]);
      const installed = await engine.install(await fixture(env, "host-kv", impostor));
      expect(installed.granted).toEqual([]);
      expect(JSON.parse((await engine.call("kv-impostor", "set", '{"key":"a","value":1}')).text()).error.code).toBe("permission_denied");
    });

    test("the same after a restart: stored grants go to the plugin the embedder approved, not to a newcomer", async () => {
      const driver = lasting(memoryStorage());
      const first = await open({ grant: false, storage: driver });
      await first.install(await fixture(env, "host-kv"), { grant: ["kv"] });
      await first.permissions.grant("host-kv", ["kv"]);
      await first.close();
      engines.length = 0;
      const second = await open({ grant: false, storage: driver });
      expect(second.permissions.list("host-kv")).toEqual(["kv"]);
      const other = await second.install(await fixture(env, "host-kv", impostor));
      expect(other.granted).toEqual([]);
    });

    test("grants the policy decided are decided again by the current policy, never remembered over it", async () => {
      const driver = lasting(memoryStorage());
      const lax = await open({ grant: true, storage: driver });
      await lax.install(await fixture(env, "host-kv"));
      expect(lax.permissions.list("host-kv")).toEqual(["kv"]);
      await lax.close();
      engines.length = 0;
      const strict = await open({ grant: false, storage: driver });
      expect(strict.permissions.list("host-kv")).toEqual([]);
    });
  });
}
