import type { ByteWriter } from "./byte-writer.ts";
import { InstructionReader, type ReaderContext } from "./instruction-reader.ts";
import { Op } from "./opcodes.ts";
import { malformedAt } from "./wasm-error.ts";

/**
 * Copies the constant expression at `pos` (up to and including its `end`) to `w`, renumbering
 * `ref.func` indices with `renumber`. Returns the offset just past it. `limit` bounds the read
 * (the section's end). Throws `wasm_invalid` when the expression is malformed.
 */
export function copyConstExpr(w: ByteWriter, bytes: Uint8Array, pos: number, limit: number, ctx: ReaderContext, renumber: (index: number) => number): number {
  const reader = new InstructionReader(bytes, pos, limit, ctx);
  let copied = pos;
  for (;;) {
    if (reader.done) throw malformedAt(ctx, pos, "a constant expression has no `end`");
    reader.next();
    if (reader.op === Op.refFunc) {
      w.range(bytes, copied, reader.aStart);
      w.uleb(renumber(reader.a));
      copied = reader.pos;
    } else if (reader.op === Op.end) {
      w.range(bytes, copied, reader.pos);
      return reader.pos;
    }
  }
}
