// @threadspace/pdk-as: Log.trace/debug/info/warn/error and Log.write, end to end (tests/fixtures/pdk-as-log).
import { createEngine, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet } from "./support.ts";

let engine: Engine;
const callJson = async <T = unknown>(fn: string, input?: string | object) => JSON.parse((await engine.call("pdk-as-log", fn, input)).text()) as T;
afterEach(() => engine?.close());

describe("pdk-as: Log", () => {
  test("every level, with structured fields, lands in the plugin's log", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-log")); // plugin.json config: log_level "trace"
    expect(await callJson("all_levels")).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    const logs = engine.logs("pdk-as-log").filter((entry) => entry.source === "plugin");
    expect(logs.map((entry) => [entry.level, entry.message])).toEqual([
      ["trace", "trace message"],
      ["debug", "debug message"],
      ["info", "info message: Wörld 🌍"],
      ["warn", 'warn message "quoted"\nsecond line'],
      ["error", "error message"],
    ]);
    expect(logs[2]?.fields).toEqual({ user: "ana", n: 2, nested: { ok: true } });
    expect(logs[0]?.fields).toEqual({});
  });

  test("a bad level is the host's bad_request; without the log permission, permission_denied", async () => {
    engine = await createEngine({ grant: true, logger: quiet });
    await engine.install(pdkFixture("pdk-as-log"));
    expect(await callJson("write", { level: "loud", message: "x" })).toMatchObject({ error: { code: "bad_request" } });
    expect(await callJson("write", { level: "warn", message: "fine" })).toEqual({ ok: true });
    await engine.close();

    engine = await createEngine({ logger: quiet });
    await engine.install(pdkFixture("pdk-as-log"));
    const replies = await callJson<{ error?: { code: string } }[]>("all_levels");
    expect(replies.map((r) => r.error?.code)).toEqual(Array(5).fill("permission_denied"));
    expect(engine.logs("pdk-as-log").filter((entry) => entry.source === "plugin")).toEqual([]);
  });
});
