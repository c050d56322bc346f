import { describe, expect, test } from "vitest";
import { MAX_MANIFEST_BYTES } from "./manifest-limits.ts";
import { readManifestInput } from "./read-input.ts";

function messageOf(input: unknown): string {
  const result = readManifestInput(input);
  if (result.ok) throw new Error("expected a refusal");
  expect(result.issue.segments).toEqual([]);
  return result.issue.message;
}

/** A manifest text of exactly `bytes` UTF-8 bytes. */
function textOfSize(bytes: number): string {
  const base = '{"name":"a","version":"1.0.0","description":""}';
  return base.replace('""', `"${"x".repeat(bytes - base.length)}"`);
}

describe("readManifestInput", () => {
  test("reads JSON text, bytes, ArrayBuffers and objects alike", () => {
    const object = { name: "a", version: "1.0.0" };
    const text = JSON.stringify(object);
    const bytes = new TextEncoder().encode(text);
    for (const input of [text, bytes, bytes.buffer, object]) {
      expect(readManifestInput(input)).toEqual({ ok: true, value: object, text: JSON.stringify(object) });
    }
  });

  test("skips a UTF-8 byte order mark", () => {
    expect(readManifestInput('\uFEFF{"a":1}')).toEqual({ ok: true, value: { a: 1 }, text: "{\"a\":1}" });
    expect(readManifestInput(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toEqual({ ok: true, value: {}, text: "{}" });
  });

  test("copies objects instead of keeping them", () => {
    const config = { nested: { a: 1 } };
    const result = readManifestInput({ config });
    expect(result.ok && result.value["config"]).not.toBe(config);
    expect(result.ok && result.value["config"]).toEqual(config);
  });

  test("refuses text that is not JSON, with the parser's position", () => {
    const message = messageOf('{\n  "name": "a",\n  "version": "1.0.0",\n}');
    expect(message).toContain("not valid JSON");
    expect(message).toMatch(/position \d+/);
    expect(message).toMatch(/line 4 column 1/);
  });

  test("refuses empty text and hints when given a path instead of contents", () => {
    expect(messageOf("")).toContain("not valid JSON");
    expect(messageOf("plugins/hello/plugin.json")).toContain("not its path");
  });

  test("refuses bytes that are not UTF-8", () => {
    expect(messageOf(new Uint8Array([0x7b, 0xff, 0x7d]))).toContain("not valid UTF-8");
  });

  test("accepts exactly 64 KiB and refuses one byte more (text and bytes)", () => {
    const fits = textOfSize(MAX_MANIFEST_BYTES);
    expect(readManifestInput(fits).ok).toBe(true);
    expect(readManifestInput(new TextEncoder().encode(fits)).ok).toBe(true);
    const tooBig = textOfSize(MAX_MANIFEST_BYTES + 1);
    expect(messageOf(tooBig)).toContain("larger than 65536 bytes");
    expect(messageOf(new TextEncoder().encode(tooBig))).toContain("larger than 65536 bytes");
  });

  test("measures text in UTF-8 bytes, not characters", () => {
    const euros = `{"description":"${"€".repeat(22_000)}"}`; // 22,000 characters, 66,000 bytes
    expect(euros.length).toBeLessThan(MAX_MANIFEST_BYTES);
    expect(messageOf(euros)).toContain("larger than");
  });

  test("measures objects by their JSON", () => {
    expect(messageOf({ description: "x".repeat(MAX_MANIFEST_BYTES) })).toContain("larger than");
    expect(messageOf({ list: new Array(100_000).fill(0) })).toContain("larger than");
  });

  test("refuses huge text quickly", () => {
    expect(messageOf("x".repeat(50_000_000))).toContain("larger than");
  });

  test("refuses nesting deeper than 32 levels, in text and objects", () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
    expect(readManifestInput(deep(32)).ok).toBe(true);
    expect(messageOf(deep(33))).toContain("more than 32 levels deep");
    expect(messageOf(JSON.parse(deep(33)))).toContain("more than 32 levels deep");
    expect(messageOf("[".repeat(60_000))).toContain("more than 32 levels deep");
  });

  test("refuses cycles as too deep, not with a stack overflow", () => {
    const cycle: Record<string, unknown> = { name: "a" };
    cycle["self"] = cycle;
    expect(messageOf(cycle)).toContain("refers to itself");
  });

  test("refuses values JSON cannot write", () => {
    expect(messageOf({ big: 1n })).toContain("cannot be written as JSON");
    expect(messageOf({ toJSON: () => { throw new Error("boom"); } })).toContain("boom");
  });

  test.each([
    [null, "null"],
    [undefined, "nothing"],
    [42, "42"],
    [true, "true"],
    [[], "an array"],
    ["[1,2]", "an array"],
    ['"text"', '"text"'],
    ["null", "null"],
    [() => 1, "a function"],
    [Symbol("x"), "a symbol"],
  ])("refuses a top level that is not an object: %s", (input, got) => {
    const message = messageOf(input);
    expect(message).toContain("must be a JSON object");
    expect(message).toContain(`got ${got}`);
  });
});
