import { createEngine, type Engine } from "@threadspace/core";
import { memoryStorage } from "@threadspace/storage";
import { afterEach, describe, expect, test } from "vitest";
import { fixture } from "../contract/fixture-source.ts";
import type { TestEnv } from "../contract/test-env.ts";

type Reply = { ok?: unknown; error?: { code: string; message: string } };

/**
 * Issue 10, item 6: a host function refuses at the request what the storage would refuse at the
 * commit (`bad_request`), instead of replying `ok` and failing the whole call with `bad_input`
 * after; and nesting is capped in the decoder (a 100,000-deep array gave `internal`).
 */
export function hostRequestCases(env: TestEnv): void {
  describe("adversarial: host requests the storage would refuse", () => {
    let engine: Engine | undefined;
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });
    const start = async () => {
      engine = await createEngine({ grant: true, storage: memoryStorage() });
      await engine.install(await fixture(env, "host-kv"));
      return engine;
    };
    const set = async (e: Engine, request: string): Promise<Reply> => JSON.parse((await e.call("host-kv", "set", request)).text()) as Reply;

    test("a lone surrogate in a key or a value is bad_request, and the call goes on", async () => {
      const e = await start();
      for (const request of ['{"key":"a\\ud800","value":1}', '{"key":"a","value":"x\\udc00y"}', '{"key":"a","value":{"\\ud83d":1}}']) {
        const reply = await set(e, request);
        expect(reply.error?.code, request).toBe("bad_request");
        expect(reply.error?.message).toContain("surrogate");
      }
      expect(await set(e, '{"key":"a","value":"fine"}')).toEqual({ ok: true });
      expect(e.kv("host-kv").get("a")).toBe("fine");
    });

    test("nesting over the storage's 512 levels is bad_request; 100,000 levels do not overflow the host's stack", async () => {
      const e = await start();
      for (const depth of [600, 100_000]) {
        const reply = await set(e, `{"key":"deep","value":${"[".repeat(depth)}${"]".repeat(depth)}}`);
        expect(reply.error?.code, String(depth)).toBe("bad_request");
        expect(reply.error?.message).toContain("512");
      }
      const ok = await set(e, `{"key":"deep","value":${"[".repeat(400)}${"]".repeat(400)}}`);
      expect(ok).toEqual({ ok: true });
    });
  });
}
