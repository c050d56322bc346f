// @threadspace/pdk-as: JSON writer and reader, UTF-8 input/output and lifecycle helpers, end to
// end through a real engine (tests/fixtures/pdk-as-json imports no host API).
import { createEngine, isThreadspaceError, type Engine } from "@threadspace/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { pdkFixture, quiet, TRICKY_STRINGS } from "./support.ts";

let engine: Engine;
const call = async (fn: string, input?: string | Uint8Array | object) => (await engine.call("pdk-as-json", fn, input)).text();
const callJson = async <T = unknown>(fn: string, input?: string | object) => JSON.parse(await call(fn, input)) as T;

beforeEach(async () => {
  engine = await createEngine({ grant: true, logger: quiet });
  await engine.install(pdkFixture("pdk-as-json"));
});
afterEach(() => engine?.close());

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isThreadspaceError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error("expected the call to fail");
}

describe("pdk-as: UTF-8 input and output", () => {
  test("output() writes UTF-8 with byte lengths (as-pdk's outputString does not)", async () => {
    // Decoded with ignoreBOM: CallResult.text() drops a leading U+FEFF, as TextDecoder does by default.
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    for (const text of TRICKY_STRINGS) {
      const bytes = (await engine.call("pdk-as-json", "echo", text)).bytes;
      expect(decoder.decode(bytes), JSON.stringify(text.slice(0, 40))).toBe(text);
      expect(bytes.byteLength).toBe(new TextEncoder().encode(text).byteLength);
    }
  });

  test("bytes that are valid UTF-8 pass through unchanged", async () => {
    const bytes = new TextEncoder().encode("añb 🌍 ∑");
    const out = (await engine.call("pdk-as-json", "echo", bytes)).bytes;
    expect([...out]).toEqual([...bytes]);
  });
});

describe("pdk-as: JSON writer", () => {
  test("Json.quote escapes every tricky string so JSON.parse reads it back", async () => {
    for (const text of TRICKY_STRINGS) {
      const quoted = await call("quote", text);
      expect(JSON.parse(quoted), JSON.stringify(text)).toBe(text);
      expect(quoted).not.toMatch(/[\u0000-\u001f]/); // control characters are escaped
    }
  });

  test("escapes are the short forms where JSON has them, \\u00XX otherwise", async () => {
    expect(await call("quote", '"\\\n\r\t\b\f\u0000\u001f\u007f')).toBe('"\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\u007f"');
    expect(await call("quote", "Wörld 🌍")).toBe('"Wörld 🌍"'); // non-ASCII is written as UTF-8, not escaped
  });

  test("JsonObject.set accepts every supported type", async () => {
    const out = await call("build");
    const v = JSON.parse(out) as Record<string, unknown>;
    expect(v).toEqual({
      string: "q\"uote b\\ack nl\n cr\r tab\t nul\u0000 bell\u0007 esc\u001b del\u007f Wörld 🌍 \u2028",
      lone: "lone \ud800 end",
      empty: "",
      nullString: null,
      true: true,
      false: false,
      i32: -42,
      u8: 255,
      i64max: 9223372036854775807,
      i64min: -9223372036854775808,
      u64max: 18446744073709551615,
      f64: 1.5,
      f64int: 3,
      f64neg0: 0,
      f64small: 0.1,
      f64big: 1e21,
      nan: null,
      inf: null,
      f32: 0.25,
      strings: ["a", 'b"', "ü"],
      ints: [1, 2, 3],
      nestedArrays: [[1, 2], [3]],
      object: { a: 1, b: ["x", 2, true, null] },
      array: [1, { raw: true }],
      value: { k: [1, "two", { three: 3 }] },
      raw: { x: [null] },
      replaced: 2,
    });
    // Exact integers, not float approximations; a lone surrogate is escaped (UTF-8 cannot carry it).
    expect(out).toContain('"i64max":9223372036854775807');
    expect(out).toContain('"i64min":-9223372036854775808');
    expect(out).toContain('"u64max":18446744073709551615');
    expect(out).toContain('"lone":"lone \\ud800 end"');
    expect(out).toContain('"replaced":2}');
    expect(out.match(/"replaced"/g)).toHaveLength(1);
  });

  test("JsonValue builders", async () => {
    expect(await call("values")).toBe('[null,true,2.5,null,-7,"s\\"é",{"k":[1]}]');
  });
});

describe("pdk-as: JSON reader", () => {
  test("round-trips tricky strings through the reader and the writer", async () => {
    const out = await callJson<{ lengths: number[]; strings: string[] }>("strings", JSON.stringify(TRICKY_STRINGS));
    expect(out.strings).toEqual(TRICKY_STRINGS);
    // Lengths in UTF-16 code units, as JavaScript counts them: \uXXXX escapes and pairs decode right.
    expect(out.lengths).toEqual(TRICKY_STRINGS.map((s) => s.length));
  });

  test("decodes \\uXXXX escapes, surrogate pairs and lone surrogates", async () => {
    const input = '["\\u00e9\\u0041", "\\ud83c\\udf0d", "\\uD83C\\uDF0D", "\\ud800", "a\\/b", "\\"\\\\\\b\\f\\n\\r\\t"]';
    const out = await callJson<{ lengths: number[]; strings: string[] }>("strings", input);
    expect(out.strings).toEqual(["éA", "🌍", "🌍", "\ud800", "a/b", '"\\\b\f\n\r\t']);
    expect(out.lengths).toEqual([2, 2, 2, 1, 3, 7]);
  });

  test("reparse keeps values, including integers beyond 2^53 and number spellings", async () => {
    const docs = [
      "null",
      "true",
      "false",
      "0",
      "-0",
      "12345678901234567890123",
      "-1.5e-7",
      "1E+300",
      '"Wörld 🌍"',
      "[]",
      "{}",
      '{"a":[1,{"b":null}],"c":"d"}',
      '[[[[[["deep"]]]]]]',
      '{"__proto__":{"polluted":true},"constructor":1}',
    ];
    for (const doc of docs) expect(await call("reparse", doc)).toBe(doc);
    expect(await call("reparse", ' \n\t{ "a" : [ 1 , 2 ] }\r\n')).toBe('{"a":[1,2]}');
    expect(await call("reparse", '"\\u0041\\n"')).toBe('"A\\n"');
  });

  test("reparse of arbitrary JSON.stringify output is the same JSON", async () => {
    const value = {
      strings: TRICKY_STRINGS,
      numbers: [0, -1, 1.25, 1e-7, 123456789, -9007199254740991, 5e-324, 1.7976931348623157e308],
      nested: { a: { b: { c: [true, false, null, { d: "é" }] } } },
    };
    const text = JSON.stringify(value);
    expect(JSON.parse(await call("reparse", text))).toEqual(value);
  });

  test("accessors read members and never abort on a wrong kind", async () => {
    const out = await callJson<Record<string, Record<string, unknown>>>("inspect", '{"s":"x","n":42,"big":9223372036854775807,"huge":1e30,"neg":-2.7,"b":true,"z":null,"a":["p",1,"q"],"o":{"k":1},"dup":1,"dup":2}');
    expect(out["s"]).toMatchObject({ kind: "string", string: "x", number: null, int: "0", bool: false, length: 0, first: null, keys: [], strings: [] });
    expect(out["n"]).toMatchObject({ kind: "number", number: 42, int: "42", string: "" });
    expect(out["big"]).toMatchObject({ kind: "number", int: "9223372036854775807" });
    expect(out["huge"]).toMatchObject({ kind: "number", number: 1e30, int: "9223372036854775807" });
    expect(out["neg"]).toMatchObject({ kind: "number", number: -2.7, int: "-2" });
    expect(out["b"]).toMatchObject({ kind: "bool", bool: true });
    expect(out["z"]).toMatchObject({ kind: "null" });
    expect(out["a"]).toMatchObject({ kind: "array", length: 3, first: "p", strings: ["p", "q"] });
    expect(out["o"]).toMatchObject({ kind: "object", length: 1, keys: ["k"] });
    expect(out["dup"]).toMatchObject({ number: 2 }); // the last one wins, as in JSON.parse
    expect(out["$missing"]).toEqual({ has: false, isNull: true, outOfRange: true });
  });

  test("asInt is exact for 64-bit integer literals and saturates beyond them", async () => {
    const out = await callJson<Record<string, { int: string }>>(
      "inspect",
      '{"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808,"under":-9223372036854775809,"near":9223372036854775806,"ms":1764072000123}',
    );
    expect(out["max"]?.int).toBe("9223372036854775807");
    expect(out["min"]?.int).toBe("-9223372036854775808");
    expect(out["over"]?.int).toBe("9223372036854775807");
    expect(out["under"]?.int).toBe("-9223372036854775808");
    expect(out["near"]?.int).toBe("9223372036854775806");
    expect(out["ms"]?.int).toBe("1764072000123");
  });

  test("invalid JSON is refused with a message, never an abort", async () => {
    const bad: [string, RegExp][] = [
      ["", /expected a JSON value, found end of input at offset 0/],
      ["{", /expected a member name/],
      ['{"a" 1}', /expected ':'/],
      ["[1,]", /expected a JSON value, found '\]'/],
      ["[1 2]", /expected ',' or '\]'/],
      ['{"a":1,}', /expected a member name/],
      ["01", /leading zeros/],
      ["1.", /digit after '\.'/],
      ["1e", /exponent/],
      ["-", /expected a digit/],
      ["+1", /expected a JSON value/],
      ["NaN", /expected a JSON value/],
      ["tru", /expected a JSON value/],
      ['"abc', /unterminated string/],
      ['"a\nb"', /unescaped control character U\+000a/],
      ['"\\x"', /invalid escape \\x/],
      ['"\\u12"', /four hex digits/],
      ['"\\u12G4"', /four hex digits/],
      ["{} {}", /after the JSON value/],
      ["'single'", /expected a JSON value/],
      ["[" .repeat(600) + "]".repeat(600), /nesting deeper than 512 levels/],
    ];
    for (const [text, message] of bad) {
      const out = await callJson<{ ok: boolean; error?: string }>("validate", text);
      expect(out.ok, JSON.stringify(text)).toBe(false);
      expect(out.error, JSON.stringify(text)).toMatch(message);
    }
    expect(await callJson("validate", "[".repeat(500) + "]".repeat(500))).toEqual({ ok: true });
    const error = await failure(call("reparse", "{oops}"));
    expect(error.message).toContain("not JSON: expected a member name in double quotes, found 'o' at offset 1");
  });
});

describe("pdk-as: lifecycle helpers", () => {
  test("Plugin.metadata, Plugin.healthy with metrics", async () => {
    expect((await engine.get("pdk-as-json"))?.version).toBe("1.0.0");
    await call("echo", "x");
    const health = await engine.health("pdk-as-json");
    expect(health).toMatchObject({ status: "healthy", message: "serving JSON", metrics: { calls: 1 } });
  });

  test("Plugin.degraded / Plugin.unhealthy output the report health_check needs", async () => {
    expect(await callJson("health_as", "degraded")).toEqual({ status: "degraded", message: "half", metrics: { n: 1 } });
    expect(await callJson("health_as", "unhealthy")).toEqual({ status: "unhealthy", message: "down", metrics: {} });
    expect(await callJson("health_as", "")).toEqual({ status: "healthy", message: "ok", metrics: {} });
  });

  test("Plugin.fail sets the Extism error: the call fails with the message (UTF-8 intact)", async () => {
    const error = await failure(call("fail", "could not do it: Wörld 🌍"));
    expect(error.message).toContain("could not do it: Wörld 🌍");
  });

  test("an abort traps the call through the PDK's handler (no env.abort import) and the plugin keeps serving", async () => {
    const error = await failure(call("abort_now", "boom"));
    expect(error.code).toBe("plugin_trap");
    // The handler logs the message through Extism's log_error (the JS SDK drops error_set on a trap).
    const logged = engine.logs("pdk-as-json").map((entry) => entry.message);
    expect(logged.some((message) => message.includes("abort: abort requested: boom (at src/index.ts:"))).toBe(true);
    expect(await call("echo", "still here")).toBe("still here");
  });

  test("Plugin.event, Plugin.tickAt and Plugin.changedConfig read the engine's inputs", async () => {
    const event = { topic: "app.saved", payload: { id: "m1", text: "Wörld 🌍" }, source: "engine", at: 1764072000123 };
    expect(await callJson("parse_event", event)).toEqual(event);
    expect(await call("parse_event", { nope: 1 })).toBe("not an event");
    expect(await callJson("parse_tick", { at: 1764072000999 })).toEqual({ at: 1764072000999, config: { at: 1764072000999 } });
  });
});
