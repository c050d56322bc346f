import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Host } from "./host.ts";
import type { ExtismHostFunction } from "./host-functions.ts";
import { FakeCallContext } from "./testing/fake-call-context.ts";

const CODES = new Set(["permission_denied", "bad_request", "too_large", "not_found", "quota_exceeded", "limit_exceeded", "unsupported", "call_failed", "internal"]);
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 10_000);

/** Keys every API's requests use, plus the ones attackers try. */
const requestKey = fc.constantFrom(
  "key", "value", "prefix", "id", "content", "tags", "threadId", "title", "metadata", "author", "fromSeq", "limit",
  "topic", "payload", "level", "message", "fields", "plugin", "export", "input", "tag", "text",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
);
const jsonLeaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ unit: "grapheme" }));
const requestShaped = fc.dictionary(requestKey, fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 5 }), fc.dictionary(requestKey, jsonLeaf, { maxKeys: 4 })), { maxKeys: 6 });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Requests as bytes: request-shaped objects (mostly), arbitrary JSON, raw text and raw bytes. */
const requestBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: requestShaped.map(encode) },
  { weight: 2, arbitrary: fc.jsonValue().map(encode) },
  { weight: 1, arbitrary: fc.string().map((s) => new TextEncoder().encode(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constant(new TextEncoder().encode('{"__proto__":{"polluted":true},"key":"k","value":{"__proto__":{"polluted":true}}}')) },
);

function everyFunction(host: Host): Record<string, ExtismHostFunction> {
  return host.functionsFor({ name: "fuzz" } as never, host.importNames());
}

function checkReply(text: string): void {
  const reply = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(reply);
  expect(keys.length).toBe(1);
  if (keys[0] === "error") {
    const error = reply["error"] as { code?: unknown; message?: unknown };
    expect(CODES.has(String(error.code)), `unknown code ${String(error.code)}`).toBe(true);
    expect(typeof error.message).toBe("string");
  } else {
    expect(keys[0]).toBe("ok");
  }
}

describe("host function decoders under generated requests", () => {
  const host = new Host({ maxRequestBytes: 4096 });
  host.permissions.assign("fuzz", undefined, [
    "memory:read", "memory:write", "thread:read", "thread:write", "event:emit", "event:subscribe", "config:read", "kv", "log", "plugin:call",
  ]);
  const functions = everyFunction(host);

  test("every built-in API is covered", () => {
    expect(Object.keys(functions)).toEqual(expect.arrayContaining(["ts_kv_get", "ts_kv_set", "ts_kv_delete", "ts_kv_list", "ts_plugin_call"]));
  });

  for (const [name, fn] of Object.entries(functions)) {
    test(`${name}: ${RUNS} requests, every reply well-formed, no prototype reached`, async () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort().join();
      await fc.assert(
        fc.asyncProperty(requestBytes, async (bytes) => {
          const tx = host.begin("fuzz");
          const context = new FakeCallContext(tx);
          const handle = await fn(context, context.request(bytes));
          checkReply(context.text(handle));
          if (bytes.length % 2 === 0) tx.commit();
          else tx.abort();
        }),
        { numRuns: RUNS },
      );
      expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(before);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    }, 120_000);
  }

  test("a handle that points nowhere and a missing transaction get error replies", async () => {
    for (const fn of Object.values(functions)) {
      const context = new FakeCallContext(host.begin("fuzz"));
      checkReply(context.text(await fn(context, 12345n << 48n)));
      const outside = new FakeCallContext();
      checkReply(outside.text(await fn(outside, outside.request("{}"))));
    }
  });
});
