import { scanBody, Ev, type ScanContext, type BodyScan } from "./body-scan.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { isPlainValueType } from "./instruction-reader.ts";
import type { MeterCode } from "./meter-code.ts";
import type { LocatedBody } from "./module-reader.ts";
import { malformedAt, unsupportedAt } from "./wasm-error.ts";

/**
 * A function without loops or calls whose whole body costs at most this much skips its entry
 * check (it keeps its charges): it cannot run longer than that, and a caller runs at most one
 * such function per call instruction between two checks of its own, so the counter stays far
 * from the i32 range (7.6 MB body / 2 bytes per call × 200 < 2^30).
 */
export const LEAF_CHECK_FREE_COST = 200;

/** What the body rewrite needs about the module. */
export interface BodyRewriteContext extends ScanContext {
  readonly meter: MeterCode | undefined;
  /** Parameter count of this function. */
  readonly params: number;
  /** New index of a function index. */
  readonly renumberFunction: (index: number) => number;
  /** Index of the grow helper of a memory. */
  readonly growHelper: (memory: number) => number;
  /** Skip the entry check of small leaf functions. */
  readonly leafSkip: boolean;
}

/** What rewriting one body found. */
export interface BodyRewriteResult {
  /** `if`s inserted before each label (in order), entry check included; `undefined` unless asked for. */
  readonly labelShifts: number[] | undefined;
}

interface Locals {
  readonly groups: number;
  readonly count: number;
  /** Offset of the first group (after the group count). */
  readonly groupsStart: number;
  readonly codeStart: number;
}

function readLocals(bytes: Uint8Array, body: LocatedBody, ctx: BodyRewriteContext): Locals {
  let pos = body.bodyStart;
  const u32 = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= body.end) throw malformedAt(ctx, pos, "the locals' declarations run past the body");
      const b = bytes[pos++] as number;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw malformedAt(ctx, pos, "an integer is longer than 32 bits");
  };
  const groups = u32();
  const groupsStart = pos;
  let count = 0;
  for (let i = 0; i < groups; i++) {
    count += u32();
    if (pos >= body.end) throw malformedAt(ctx, pos, "the locals' declarations run past the body");
    const type = bytes[pos++] as number;
    if (!isPlainValueType(type)) {
      if (type === 0x63 || type === 0x64) throw unsupportedAt(ctx, pos - 1, "a local of a typed reference type (typed function references)");
      throw malformedAt(ctx, pos - 1, `unknown local type 0x${type.toString(16)}`);
    }
  }
  if (count > 50_000) throw malformedAt(ctx, body.bodyStart, `the function declares ${count} locals (engines accept at most 50000)`);
  return { groups, count, groupsStart, codeStart: pos };
}

/**
 * Writes one rewritten function body (its size, then locals and code) to `out`, using `scratch`
 * for the body itself. Everything between the events is copied as it was.
 */
export function rewriteBody(out: ByteWriter, scratch: ByteWriter, bytes: Uint8Array, body: LocatedBody, ctx: BodyRewriteContext): BodyRewriteResult {
  const locals = readLocals(bytes, body, ctx);
  const scan: BodyScan = scanBody(bytes, locals.codeStart, body.end, ctx);
  const meter = ctx.meter;
  const firstExtra = ctx.params + locals.count;
  const len32 = firstExtra;
  const len64 = firstExtra + (scan.bulk32 ? 1 : 0);
  const entryCheck = meter !== undefined && !(ctx.leafSkip && !scan.mayRunLong && scan.totalCost <= LEAF_CHECK_FREE_COST);
  const checks = entryCheck || scan.loops;
  // Checks read the counter once, through a scratch local (MeterCode.chargeAndCheck): measured
  // 1.12-1.15x against 1.15-1.16x with a second global.get (hash-sort, BENCHMARKS.md).
  const tee = checks ? firstExtra + (scan.bulk32 ? 1 : 0) + (scan.bulk64 ? 1 : 0) : -1;

  scratch.length = 0;
  scratch.uleb(locals.groups + (scan.bulk32 ? 1 : 0) + (scan.bulk64 ? 1 : 0) + (tee >= 0 ? 1 : 0));
  scratch.range(bytes, locals.groupsStart, locals.codeStart);
  if (scan.bulk32) scratch.bytes([1, 0x7f]);
  if (scan.bulk64) scratch.bytes([1, 0x7e]);
  if (tee >= 0) scratch.bytes([1, 0x7f]);

  const events = scan.events;
  let copied = locals.codeStart;
  for (let i = 0; i < events.length; i += 4) {
    const kind = events[i] as number;
    const pos = events[i + 1] as number;
    const x = events[i + 2] as number;
    const y = events[i + 3] as number;
    scratch.range(bytes, copied, pos);
    copied = pos;
    if (kind === Ev.charge) {
      const check = y === 1 && (pos !== locals.codeStart || entryCheck);
      if (check) meter?.chargeAndCheck(scratch, x, tee);
      else meter?.charge(scratch, x);
    } else if (kind === Ev.funcIndex) {
      scratch.uleb(ctx.renumberFunction(y));
      copied = x;
    } else if (kind === Ev.grow) {
      scratch.u8(0x10);
      scratch.uleb(ctx.growHelper(y));
      copied = x;
    } else if (kind === Ev.bulk) {
      meter?.bulkCharge(scratch, x, len32, len64);
    }
  }
  scratch.range(bytes, copied, body.end);
  out.uleb(scratch.length);
  out.range(scratch.view(), 0, scratch.length);
  const labelShifts = scan.labelShifts?.map((shift) => shift + (entryCheck ? 1 : 0));
  return { labelShifts };
}
