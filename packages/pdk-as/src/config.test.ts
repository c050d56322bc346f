// @threadspace/pdk-as: Config.get/all and the typed readers, end to end (tests/fixtures/pdk-as-config).
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet } from "./support.ts";

let engine: Engine;
const call = async (fn: string, input?: string) => (await engine.call("pdk-as-config", fn, input)).text();
const callJson = async <T = unknown>(fn: string, input?: string) => JSON.parse(await call(fn, input)) as T;
afterEach(() => engine?.close());

const DEFAULTS = { greeting: "Hallo, Wörld 🌍", count: 3, ratio: 0.5, flag: true, nested: { list: [1, "two"] } };

describe("pdk-as: Config", () => {
  test("Config.get(key) and Config.all() read plugin.json's config", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-config"));
    expect(await callJson("get", "greeting")).toEqual({ ok: "Hallo, Wörld 🌍" });
    expect(await callJson("get", "nested")).toEqual({ ok: { list: [1, "two"] } });
    expect(await callJson("get", "missing")).toEqual({ ok: null });
    expect(await callJson("all")).toEqual({ ok: DEFAULTS });
  });

  test("the typed readers use the value or the fallback", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-config"));
    expect(await callJson("typed")).toEqual({
      greeting: "Hallo, Wörld 🌍",
      count: 3,
      ratio: 0.5,
      flag: true,
      missingString: "fallback",
      missingNumber: -1,
      missingBool: true,
      wrongType: "not a string",
      nested: "two",
    });
  });

  test("the embedder's overrides are what the plugin reads next", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-config"));
    await engine.config.set("pdk-as-config", { greeting: 'Hi "there"\n', count: 7 });
    expect(await callJson("get", "greeting")).toEqual({ ok: 'Hi "there"\n' });
    expect(await callJson<{ count: number }>("typed")).toMatchObject({ count: 7 });
  });

  test("Plugin.fail in init_plugin refuses the install when the config is wrong", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    const bad = pdkFixture("pdk-as-config", { config: { ...DEFAULTS, greeting: 42 } });
    await expect(engine.install(bad)).rejects.toThrow(/config\.greeting must be a string/);
    expect(engine.get("pdk-as-config")).toBeUndefined();
  });

  test("without config:read the wrappers return permission_denied and the typed readers fall back", async () => {
    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-config"));
    expect(await callJson("get", "greeting")).toMatchObject({ error: { code: "permission_denied" } });
    expect(await callJson("all")).toMatchObject({ error: { code: "permission_denied" } });
    expect(await callJson("typed")).toMatchObject({ greeting: "fallback", count: -1, flag: false, nested: "" });
  });
});
