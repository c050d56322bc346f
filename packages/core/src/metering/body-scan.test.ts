import { describe, expect, it } from "vitest";
import { Bulk, Ev, scanBody, type ScanContext } from "./body-scan.ts";

const CTX: ScanContext = { memory64List: [false], table64List: [false], fuel: true, grow: true, renumber: true, labels: true, funcIndex: 3 };

/** The scan's events as [kind, pos, x, y] tuples. */
function scan(code: number[], ctx: Partial<ScanContext> = {}) {
  const bytes = new Uint8Array(code);
  const result = scanBody(bytes, 0, bytes.byteLength, { ...CTX, ...ctx });
  const events: number[][] = [];
  for (let i = 0; i < result.events.length; i += 4) events.push(result.events.slice(i, i + 4));
  return { ...result, events };
}

describe("scanBody (transform version 2)", () => {
  it("charges a straight body once at entry, with a check", () => {
    // local.get 0; local.get 1; i32.add; end
    const s = scan([0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b]);
    expect(s.events).toEqual([[Ev.charge, 0, 4, 1]]);
    expect([s.mayRunLong, s.totalCost]).toEqual([false, 4]);
  });

  it("charges loop headers (checked), if and else; what follows an end joins the opener's charge", () => {
    // block loop [i32.const 1 br_if 1] if [nop] else [nop] end br 0 end end nop end
    const code = [0x02, 0x40, 0x03, 0x40, 0x41, 0x01, 0x0d, 0x01, 0x41, 0x00, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b, 0x0c, 0x00, 0x0b, 0x0b, 0x01, 0x0b];
    const s = scan(code);
    expect(s.events).toEqual([
      [Ev.charge, 0, 2 + 1 + 2, 1], // block loop, + (after the loop's end) end, + (after the block's end) nop end
      [Ev.charge, 4, 4 + 2, 1], // loop header: i32.const br_if i32.const if, + (after the if's end) br end
      [Ev.charge, 12, 2, 0], // then: nop else
      [Ev.charge, 14, 2, 0], // else: nop end
    ]);
    expect(s.totalCost).toBe(15); // every instruction, once
    expect(s.mayRunLong).toBe(true);
    expect(s.labelShifts).toEqual([0, 0, 1]); // block, loop, then the if after the loop's check
  });

  it("lists function indices, memory.grow and charged bulk operations", () => {
    // call 5; ref.func 2; drop; memory.grow 0; memory.fill 0; table.fill 0; memory.copy 0 0; end
    const code = [0x10, 0x05, 0xd2, 0x02, 0x1a, 0x40, 0x00, 0xfc, 0x0b, 0x00, 0xfc, 0x11, 0x00, 0xfc, 0x0a, 0x00, 0x00, 0x0b];
    const s = scan(code);
    expect(s.events).toEqual([
      [Ev.charge, 0, 8, 1],
      [Ev.funcIndex, 1, 2, 5],
      [Ev.funcIndex, 3, 4, 2],
      [Ev.grow, 5, 7, 0],
      [Ev.bulk, 7, 0, 0],
      [Ev.bulk, 10, Bulk.perElement, 0],
      [Ev.bulk, 13, 0, 0],
    ]);
    expect([s.bulk32, s.bulk64]).toEqual([true, false]);
    const wide = scan([0xfc, 0x0b, 0x00, 0x0b], { memory64List: [true] });
    expect(wide.events[1]).toEqual([Ev.bulk, 0, Bulk.wide, 0]);
    expect(wide.bulk64).toBe(true);
  });

  it("inserts nothing it was not asked for", () => {
    const s = scan([0x10, 0x05, 0x40, 0x00, 0x1a, 0x0b], { fuel: false, grow: false, renumber: false });
    expect(s.events).toEqual([]);
  });

  it("refuses a body that does not end with its final end, or goes on after it", () => {
    expect(() => scan([0x02, 0x40, 0x0b])).toThrow(/does not end with `end`/);
    expect(() => scan([0x0b, 0x01])).toThrow(/goes on after its final `end`/);
  });
});
