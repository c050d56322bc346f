import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setTopLevelField } from "./json-edit.ts";

const HASH = `sha256:${"a".repeat(64)}`;

describe("setTopLevelField", () => {
  it("replaces an existing value in place, leaving every other byte alone", () => {
    const text = `{\n  "name":   "x",\n  "hash" : "sha256:old",   "config": {"hash": "keep"}\n}\n`;
    expect(setTopLevelField(text, "hash", HASH)).toBe(`{\n  "name":   "x",\n  "hash" : "${HASH}",   "config": {"hash": "keep"}\n}\n`);
  });

  it("replaces a non-string value and every duplicate key", () => {
    const text = `{"hash": {"a": [1, "}"]}, "b": 1, "hash": null}`;
    expect(setTopLevelField(text, "hash", HASH)).toBe(`{"hash": "${HASH}", "b": 1, "hash": "${HASH}"}`);
  });

  it("inserts a new field right after the anchor, with the neighbours' indent", () => {
    const text = `{\n    "name": "x",\n    "main": "plugin.wasm",\n    "permissions": ["log"]\n}\n`;
    expect(setTopLevelField(text, "hash", HASH, "main")).toBe(`{\n    "name": "x",\n    "main": "plugin.wasm",\n    "hash": "${HASH}",\n    "permissions": ["log"]\n}\n`);
  });

  it("appends after the last field when there is no anchor, keeping tabs", () => {
    const text = `{\n\t"name": "x",\n\t"config": {\n\t\t"a": "}"\n\t}\n}`;
    expect(setTopLevelField(text, "hash", HASH, "main")).toBe(`{\n\t"name": "x",\n\t"config": {\n\t\t"a": "}"\n\t},\n\t"hash": "${HASH}"\n}`);
  });

  it("handles one-line and empty objects, escaped quotes and a BOM", () => {
    expect(setTopLevelField(`{"a": "say \\"hi\\"", "main": "p.wasm"}`, "hash", HASH, "main")).toBe(`{"a": "say \\"hi\\"", "main": "p.wasm", "hash": "${HASH}"}`);
    expect(setTopLevelField(`{}`, "hash", HASH)).toBe(`{\n  "hash": "${HASH}"\n}`);
    expect(setTopLevelField(`\uFEFF{"main": "p.wasm"}`, "hash", HASH)).toBe(`\uFEFF{"main": "p.wasm", "hash": "${HASH}"}`);
  });

  it("refuses text that is not a JSON object", () => {
    expect(() => setTopLevelField(`[1]`, "hash", HASH)).toThrow(/not a JSON object/);
  });

  it("always yields the same document as setting the field on the parsed value", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { maxKeys: 6 }), fc.boolean(), fc.constantFrom(0, 2, "\t"), (object, withHash, indent) => {
        const value: Record<string, unknown> = withHash ? { ...object, hash: "old" } : object;
        const text = JSON.stringify(value, null, indent);
        const updated = JSON.parse(setTopLevelField(text, "hash", HASH, "main")) as Record<string, unknown>;
        expect(updated).toEqual({ ...(JSON.parse(text) as Record<string, unknown>), hash: HASH });
      }),
    );
  });
});
