import type { PayloadSchema } from "@threadspace/manifest";

/** Keywords that only annotate (JSON Schema 2020-12 annotations, and our `encoding`): they never fail a value. */
const ANNOTATIONS = new Set(["encoding", "description", "title", "$schema", "$comment", "$id", "examples", "default", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding"]);

/**
 * For a text payload whose schema says no more than `"type": "string"`, `maxLength` and
 * `minLength`, a test that proves a string valid without running the validator: a string of at
 * most `maxLength` UTF-16 code units has at most that many code points (what the lengths count),
 * and one of at least 2 × `minLength` units has at least `minLength` code points. `false` means
 * "not proven", and the validator decides. Undefined when the schema says more (no shortcut).
 * The common case (`hello`'s greet) then costs a length comparison per call.
 */
export function textQuickPass(schema: PayloadSchema): ((text: string) => boolean) | undefined {
  let max = Infinity;
  let min = 0;
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    if (key === "type" && value === "string") continue;
    if (key === "maxLength" && typeof value === "number" && Number.isFinite(value)) {
      max = value;
      continue;
    }
    if (key === "minLength" && typeof value === "number" && Number.isFinite(value)) {
      min = value * 2;
      continue;
    }
    return undefined;
  }
  return (text) => text.length <= max && text.length >= min;
}
