import fc from "fast-check";
import type { StorageValue } from "./types.ts";

/** Arbitrary storage values: JSON plus Uint8Array, with awkward strings and numbers. */
export const storageValue: fc.Arbitrary<StorageValue> = fc.letrec<{ value: StorageValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: "binary" }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

