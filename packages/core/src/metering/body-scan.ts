import { InstructionReader, type ReaderContext } from "./instruction-reader.ts";
import { FC, Op } from "./opcodes.ts";
import { malformedAt } from "./wasm-error.ts";

/** What the rewrite does at one point of a body (see {@link BodyScan.events}). */
export const Ev = {
  /** Insert a charge of `x` units (and a check when `y` is 1) at `pos`. */
  charge: 0,
  /** Replace the function index LEB at [pos, x) (old index `y`). */
  funcIndex: 1,
  /** Replace `memory.grow` at [pos, x) (memory `y`) by a call to the memory's grow helper. */
  grow: 2,
  /** Insert a charge for the length on top of the stack before the bulk operation at `pos` (`x`: a {@link Bulk} value). */
  bulk: 3,
} as const;

/** How a bulk operation's length is charged: bit 0 = per element (tables) rather than per 16 bytes; bit 1 = the length is an i64. */
export const Bulk = { perElement: 1, wide: 2 } as const;

/** What the module tells the scan about index types. */
export interface ScanContext extends ReaderContext {
  /** Index type of every memory (true = memory64). */
  readonly memory64List: readonly boolean[];
  /** Index type of every table (true = table64). */
  readonly table64List: readonly boolean[];
  /** Insert charges and checks. */
  readonly fuel: boolean;
  /** Route memory.grow through helpers. */
  readonly grow: boolean;
  /** Function indices move (imports were added): rewrite every function index. */
  readonly renumber: boolean;
  /** Record, for every label (block, loop, if), how many `if`s the rewrite inserts before it. */
  readonly labels: boolean;
}

/** The result of scanning one body: events in byte order, and what the emitter needs to know. */
export interface BodyScan {
  /** Flat quadruples: kind, pos, x, y (see {@link Ev}). */
  readonly events: number[];
  /** Offset of the first instruction (after the locals' declarations). */
  readonly codeStart: number;
  /** The body has a loop or makes a call: it cannot skip its entry check. */
  readonly mayRunLong: boolean;
  /** The body has a loop. */
  readonly loops: boolean;
  /** Total of every segment's cost: an upper bound of what one run costs when {@link mayRunLong} is false. */
  readonly totalCost: number;
  /** Bulk operations with an i32 / i64 length (the emitter adds locals for them). */
  readonly bulk32: boolean;
  readonly bulk64: boolean;
  /** With `labels`: for each label in order, the number of `if`s inserted before it (entry check excluded). */
  readonly labelShifts: number[] | undefined;
}

/**
 * Scans one function body's instructions (from `codeStart` to `end`) and lists what the
 * rewrite changes: where each straight-line segment starts and its cost in original
 * instructions, loop headers (checked), function indices, `memory.grow` and bulk operations.
 * A charge sits at the function's entry and after every `loop`, `if` and `else`; what follows
 * an `end` joins the charge of the segment that opened the construct (docs/metering.md,
 * transform version 2). Every original instruction is counted by exactly one charge.
 */
export function scanBody(bytes: Uint8Array, codeStart: number, end: number, ctx: ScanContext): BodyScan {
  const reader = new InstructionReader(bytes, codeStart, end, ctx);
  const events: number[] = [];
  const labelShifts = ctx.labels ? ([] as number[]) : undefined;
  let insertedIfs = 0;
  let depth = 0;
  let finished = false;
  let mayRunLong = false;
  let loops = false;
  let totalCost = 0;
  let bulk32 = false;
  let bulk64 = false;
  // The current segment: where its cost goes in `events`, and its count so far.
  let costSlot = -1;
  let count = 0;
  const open = (pos: number, check: boolean): void => {
    if (!ctx.fuel) return;
    costSlot = events.length + 2;
    events.push(Ev.charge, pos, 0, check ? 1 : 0);
    if (check) insertedIfs++;
  };
  const close = (): void => {
    if (costSlot >= 0) events[costSlot] = (events[costSlot] as number) + count;
    totalCost += count;
    count = 0;
  };
  // For each open block, loop and if: the slot of the segment its opening instruction is in.
  const openers: number[] = [];
  open(codeStart, true);
  insertedIfs = 0; // the entry check's `if` comes before every label: the emitter adds it
  while (!reader.done) {
    reader.next();
    count++;
    const op = reader.op;
    switch (op) {
      case Op.block:
      case Op.loop:
      case Op.if:
        labelShifts?.push(insertedIfs);
        depth++;
        openers.push(costSlot);
        if (op === Op.block) break;
        if (op === Op.loop) mayRunLong = loops = true;
        close();
        open(reader.pos, op === Op.loop);
        break;
      case Op.else:
        close();
        open(reader.pos, false);
        break;
      case Op.end:
        close();
        if (depth === 0) {
          if (!reader.done) throw malformedAt(ctx, reader.pos, "the function body goes on after its final `end`");
          finished = true;
          break;
        }
        depth--;
        // What follows an `end` runs at most once per run of the segment that opened the
        // construct (branches to a block's label land here, a loop's go to its start): its cost
        // joins that segment's charge instead of a charge of its own.
        costSlot = openers.pop() as number;
        break;
      case Op.call:
      case Op.returnCall:
      case Op.refFunc:
        if (op !== Op.refFunc) mayRunLong = true;
        if (ctx.renumber) events.push(Ev.funcIndex, reader.aStart, reader.pos, reader.a);
        break;
      case Op.callIndirect:
      case Op.returnCallIndirect:
        mayRunLong = true;
        break;
      case Op.memoryGrow:
        if (ctx.grow) events.push(Ev.grow, reader.start, reader.pos, reader.a);
        break;
      case Op.prefixFC: {
        if (!ctx.fuel) break;
        const flags = bulkFlags(reader.sub, reader.a, reader.b, ctx);
        if (flags < 0) break;
        events.push(Ev.bulk, reader.start, flags, 0);
        insertedIfs++;
        if (flags & Bulk.wide) bulk64 = true;
        bulk32 = true;
        break;
      }
    }
  }
  if (!finished) throw malformedAt(ctx, end, "the function body does not end with `end`");
  return { events, codeStart, mayRunLong, loops, totalCost, bulk32, bulk64, labelShifts };
}

/** The {@link Bulk} flags of a 0xFC instruction, or -1 when it is not charged by length. */
function bulkFlags(sub: number, a: number, b: number, ctx: ScanContext): number {
  switch (sub) {
    case FC.memoryInit:
      return 0;
    case FC.memoryCopy:
      return ctx.memory64List[a] === true && ctx.memory64List[b] === true ? Bulk.wide : 0;
    case FC.memoryFill:
      return ctx.memory64List[a] === true ? Bulk.wide : 0;
    case FC.tableInit:
      return Bulk.perElement;
    case FC.tableCopy:
      return Bulk.perElement | (ctx.table64List[a] === true && ctx.table64List[b] === true ? Bulk.wide : 0);
    case FC.tableFill:
      return Bulk.perElement | (ctx.table64List[a] === true ? Bulk.wide : 0);
    default:
      return -1;
  }
}
