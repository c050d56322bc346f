import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { MANIFEST_FIELDS } from "./schema.ts";
import { parseManifest, safeParseManifest } from "./parse.ts";

const RUNS = 3000;

/** Checks the contract of a safeParseManifest result, whatever the input was. */
function expectWellFormed(input: unknown): void {
  const result = safeParseManifest(input);
  if (result.success) {
    expect(result.issues).toEqual([]);
    expect(typeof result.output.name).toBe("string");
    expect(Object.keys(result.output).every((key) => (MANIFEST_FIELDS as readonly string[]).includes(key))).toBe(true);
    expect(parseManifest(input)).toEqual(result.output);
  } else {
    expect(result.output).toBeUndefined();
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(issue.path).toMatch(/^\$/);
      expect(issue.message.length).toBeGreaterThan(0);
    }
    expect(() => parseManifest(input)).toThrow(/plugin\.json is invalid/);
  }
}

/** Objects shaped like manifests, with random values in known and unknown fields. */
const manifestLike = fc.dictionary(fc.constantFrom(...MANIFEST_FIELDS, "dependancies", "__proto__", "constructor"), fc.anything(), { maxKeys: 8 });

describe("safeParseManifest never throws", () => {
  test("on fc.anything()", () => {
    fc.assert(fc.property(fc.anything(), expectWellFormed), { numRuns: RUNS });
  });

  test("on fc.anything() with null prototypes, boxed values and sparse arrays", () => {
    const hostile = fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true });
    fc.assert(fc.property(hostile, expectWellFormed), { numRuns: RUNS });
  });

  test("on JSON text from fc.json()", () => {
    fc.assert(fc.property(fc.json(), expectWellFormed), { numRuns: RUNS });
  });

  test("on random strings and bytes", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.uint8Array()), expectWellFormed), { numRuns: RUNS });
  });

  test("on manifest-shaped objects with random values", () => {
    fc.assert(fc.property(manifestLike, expectWellFormed), { numRuns: RUNS });
  });

  test("valid manifests stay valid through JSON text", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/);
    const version = fc.tuple(fc.nat(99), fc.nat(99), fc.nat(99)).map((parts) => parts.join("."));
    fc.assert(
      fc.property(name, version, fc.jsonValue(), (n, v, extra) => {
        const manifest = { name: n, version: v, config: { extra } };
        const text = JSON.stringify(manifest);
        if (text.includes('"__proto__"')) return;
        expect(parseManifest(text)).toMatchObject({ name: n, version: v });
      }),
      { numRuns: RUNS },
    );
  });
});
