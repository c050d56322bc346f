import { createEngine, type CallInput, type Engine } from "@threadspace/core";
import { afterEach, describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { fixture } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** The host API through a real plugin: ts_kv_*, the permission gate, the codec and call transactions. */
export function hostKvContract(env: TestEnv): void {
  describe("host API: key-value state", () => {
    let engine: Engine;
    const reply = async (fn: string, request: CallInput) => (await engine.call("host-kv", fn, request)).json<{ ok?: unknown; error?: { code: string; message: string } }>();
    afterEach(() => engine.close());

    test("set, get, list and delete round-trip, and the embedder sees the same state", async () => {
      engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "host-kv"));
      expect(await reply("set", { key: "a", value: { n: 1, s: "Wörld" } })).toEqual({ ok: true });
      expect(await reply("set", { key: "b", value: [1, 2] })).toEqual({ ok: true });
      expect(await reply("get", { key: "a" })).toEqual({ ok: { n: 1, s: "Wörld" } });
      expect(await reply("get", { key: "missing" })).toEqual({ ok: null });
      expect(await reply("list", {})).toEqual({ ok: ["a", "b"] });
      expect(engine.kv("host-kv").get("b")).toEqual([1, 2]);
      engine.kv("host-kv").set("c", "from host");
      expect(await reply("get", { key: "c" })).toEqual({ ok: "from host" });
      expect(await reply("delete", { key: "a" })).toEqual({ ok: true });
      expect(await reply("list", { prefix: "" })).toEqual({ ok: ["b", "c"] });
    });

    test("without the permission every function replies permission_denied and changes nothing", async () => {
      engine = await createEngine();
      const info = await engine.install(await fixture(env, "host-kv"));
      expect(info.permissions).toEqual(["kv"]);
      expect(info.granted).toEqual([]);
      for (const fn of ["get", "set", "delete", "list"]) {
        const r = await reply(fn, { key: "a", value: 1 });
        expect(r.error?.code).toBe("permission_denied");
      }
      expect(engine.kv("host-kv").keys()).toEqual([]);
      engine.permissions.grant("host-kv", ["kv"]);
      expect(await reply("set", { key: "a", value: 1 })).toEqual({ ok: true });
      engine.permissions.revoke("host-kv", ["kv"]);
      expect((await reply("get", { key: "a" })).error?.code).toBe("permission_denied");
    });

    test("install grants override the policy and only requested permissions are granted", async () => {
      engine = await createEngine({ grant: false });
      const info = await engine.install(await fixture(env, "host-kv"), { grant: ["kv", "memory:read"] });
      expect(info.granted).toEqual(["kv"]);
      const asked: string[][] = [];
      const other = await createEngine({ grant: (_plugin, requested) => (asked.push([...requested]), true) });
      expect((await other.install(await fixture(env, "host-kv"))).granted).toEqual(["kv"]);
      expect(asked).toEqual([["kv"]]);
      await other.close();
    });

    test("malformed and oversize requests get bad_request / too_large, never a trap", async () => {
      engine = await createEngine({ grant: true, maxRequestBytes: 64 });
      await engine.install(await fixture(env, "host-kv"));
      expect((await reply("get", "not json at all" as never)).error?.code).toBe("bad_request");
      expect((await reply("get", { key: 42 })).error?.code).toBe("bad_request");
      expect((await reply("get", { nokey: true })).error?.code).toBe("bad_request");
      expect((await reply("set", { key: "a", value: "x".repeat(100) })).error?.code).toBe("too_large");
      expect((await engine.call("host-kv", "get", new Uint8Array([0xff, 0xfe]))).json<{ error: { code: string } }>().error.code).toBe("bad_request");
      expect(await reply("set", { key: "__proto__", value: { polluted: true } })).toEqual({ ok: true });
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    });

    test("a call's writes are discarded when it traps and visible to itself before it returns", async () => {
      engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "host-kv"));
      await expectCode(engine.call("host-kv", "set_then_trap", { key: "t", value: 1 }), "plugin_trap");
      expect(engine.kv("host-kv").get("t")).toBeUndefined();
      expect(await reply("set_then_get", { key: "a", value: "mine" })).toEqual({ ok: "mine" });
      expect(engine.kv("host-kv").get("a")).toBe("mine");
    });

    test("each plugin sees only its own keys", async () => {
      engine = await createEngine({ grant: true });
      await engine.install(await fixture(env, "host-kv"));
      await engine.install(await fixture(env, "host-kv", { name: "other-kv", interface: "extism" }));
      engine.kv("host-kv").set("secret", 1);
      const other = (await engine.call("other-kv", "list", {})).json();
      expect(other).toEqual({ ok: [] });
      expect((await engine.call("other-kv", "get", { key: "secret" })).json()).toEqual({ ok: null });
      expect(await reply("list", {})).toEqual({ ok: ["secret"] });
    });
  });
}
