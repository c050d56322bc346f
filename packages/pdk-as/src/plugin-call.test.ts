// @threadspace/pdk-as: Plugins.call end to end (tests/fixtures/pdk-as-plugin-call depends on pdk-as-json).
// ts_plugin_call suspends the caller, which needs JSPI (Chromium, workerd); in Node the host
// replies `unsupported`, and that reply must surface as a HostResult too.
import { createEngine, type Engine } from "@threadspace/core";
import { canSuspend } from "@threadspace/host";
import { afterEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet, TRICKY_STRINGS } from "./support.ts";

let engine: Engine;
type Out = { ok: boolean; code: string; message: string; text: string };
const callJson = async (input: object) => JSON.parse((await engine.call("pdk-as-plugin-call", "call", input)).text()) as Out;
// Without JSPI (Node) the caller runs in a worker, where Extism serves the suspending host call.
const setup = async (grant: boolean, inline = false) => {
  engine = await createEngine({ grant, logger: quiet, ...(canSuspend || inline ? {} : { limits: { isolation: "worker" as const } }) });
  await engine.installAll([pdkFixture("pdk-as-json"), pdkFixture("pdk-as-plugin-call")]);
};
afterEach(() => engine?.close());

describe("pdk-as: Plugins", () => {
  test("Plugins.call runs a dependency's export and returns its output text", async () => {
    await setup(true);
    for (const input of TRICKY_STRINGS.filter((s) => !s.startsWith("\uFEFF"))) {
      const out = await callJson({ plugin: "pdk-as-json", export: "echo", input });
      expect(out, JSON.stringify(input.slice(0, 40))).toEqual({ ok: true, code: "", message: "", text: input });
    }
    expect(await callJson({ plugin: "pdk-as-json", export: "reparse", input: '{"a": [1, 2]}' })).toMatchObject({ ok: true, text: '{"a":[1,2]}' });
    const failed = await callJson({ plugin: "pdk-as-json", export: "fail", input: "nope: Wörld" });
    expect(failed).toMatchObject({ ok: false, text: "" });
    expect(failed.message).toContain("nope: Wörld");
    expect(await callJson({ plugin: "pdk-as-plugin-call", export: "call", input: "{}" })).toMatchObject({ ok: false });
  });

  test.runIf(!canSuspend)("inline without JSPI (Node) the host's unsupported reply is a HostResult with ok=false", async () => {
    await setup(true, true);
    const out = await callJson({ plugin: "pdk-as-json", export: "echo", input: "x" });
    expect(out).toMatchObject({ ok: false, code: "unsupported", text: "" });
    expect(out.message).toMatch(/JSPI/);
  });

  test("without plugin:call the wrapper returns permission_denied", async () => {
    await setup(false);
    const out = await callJson({ plugin: "pdk-as-json", export: "echo", input: "x" });
    expect(out).toMatchObject({ ok: false, code: "permission_denied", text: "" });
  });
});
