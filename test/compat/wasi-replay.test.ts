/**
 * WASI clock and random values in traces (docs/replay.md "WASI clock and random"): a plugin that
 * reads the time and random bytes is recorded and replayed in a fresh engine with the same output,
 * inline, in a bridge worker and in a pool; a replay that reads more or fewer values says so.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseTrace, type CallTrace } from "@threadspace/core";
import { buildCompatPlugins, rawSide, threadspaceSide } from "./support/sides.ts";

beforeAll(() => buildCompatPlugins(), 120_000);

const MODES = ["inline", "worker", "pool"] as const;
const setup = { main: "wasi-clock", wasi: true };

async function record(mode: (typeof MODES)[number], exportName: string, input = ""): Promise<{ trace: CallTrace; output: Uint8Array; again: Uint8Array }> {
  const side = await threadspaceSide(setup, {}, { limits: { isolation: mode } });
  try {
    const result = await side.engine.call(side.name, exportName, input, { record: true });
    const again = await side.engine.call(side.name, exportName, input);
    return { trace: JSON.parse(JSON.stringify(result.trace)) as CallTrace, output: result.bytes, again: again.bytes };
  } finally {
    await side.close();
  }
}

async function replay(mode: (typeof MODES)[number], trace: CallTrace) {
  const side = await threadspaceSide(setup, {}, { limits: { isolation: mode } });
  try {
    return await side.engine.replay(trace);
  } finally {
    await side.close();
  }
}

const u64 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true);

describe.each(MODES)("WASI clock and random, %s", (mode) => {
  it("records the values the call read and replays them in a fresh engine: the same output", async () => {
    const { trace, output, again } = await record(mode, "now");
    expect(output.byteLength).toBe(32);
    // Live calls read the live clock and fresh random bytes.
    expect(Buffer.from(again).equals(Buffer.from(output))).toBe(false);
    expect(trace.version).toBe(3);
    expect(trace.wasi?.map((read) => [read.fn, read.arg, read.errno])).toEqual([
      ["clock_time_get", 0, 0],
      ["clock_res_get", 1, 0],
      ["random_get", 16, 0],
    ]);
    expect(BigInt(trace.wasi?.[0]?.value ?? "0")).toBe(u64(output, 0));
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(u64(output, 0) > now - 60_000_000_000n && u64(output, 0) <= now + 1_000_000_000n).toBe(true);
    const replayed = await replay(mode, parseTrace(JSON.stringify(trace)));
    expect(replayed.differences).toEqual([]);
    expect(replayed.same).toBe(true);
    expect(Buffer.from(replayed.output?.bytes ?? []).equals(Buffer.from(output))).toBe(true);
  });

  it("serves the clock while the instance starts (_initialize runs once the engine's WASI knows the memory)", async () => {
    const side = await threadspaceSide(setup, {}, { limits: { isolation: mode } });
    try {
      const started = (await side.engine.call(side.name, "started", "")).bytes;
      expect(new DataView(started.buffer, started.byteOffset).getUint32(8, true)).toBe(0);
      expect(u64(started, 0) > 0n).toBe(true);
    } finally {
      await side.close();
    }
  });

  it("charges fuel for what the clock and random functions do (a host call each, one unit per 8 random bytes)", async () => {
    const side = await threadspaceSide(setup, {}, { limits: { isolation: mode } });
    try {
      const one = await side.engine.call(side.name, "flood", "");
      expect(one.fuel).toBeGreaterThanOrEqual(1000 + 65536 / 8);
      expect((await side.engine.call(side.name, "flood", "")).fuel).toBe(one.fuel);
    } finally {
      await side.close();
    }
  });

  it("reports a replay that reads one more value than the trace has, or one fewer", async () => {
    const { trace } = await record(mode, "ticks", "abc");
    expect(trace.wasi?.length).toBe(3);
    const fewer = { ...trace, wasi: trace.wasi?.slice(0, 2) } as CallTrace;
    const more = await replay(mode, fewer);
    expect(more.same).toBe(false);
    expect(more.differences[0]).toEqual({ kind: "wasi", index: 2, expected: null, got: { fn: "clock_time_get", arg: 1 } });
    const extra = { ...trace, wasi: [...(trace.wasi ?? []), { fn: "random_get", arg: 4, errno: 0, value: "AAECAw==" }] } as CallTrace;
    const less = await replay(mode, extra);
    expect(less.differences[0]).toEqual({ kind: "wasi", index: 3, expected: { fn: "random_get", arg: 4, errno: 0, value: "AAECAw==" }, got: null });
  });
});

describe("WASI clock and random in traces", () => {
  it("replays a version-2 trace (no wasi) with live values", async () => {
    const { trace } = await record("inline", "now");
    const { wasi: _wasi, ...rest } = trace;
    const v2 = { ...rest, version: 2 } as CallTrace;
    const replayed = await replay("inline", parseTrace(v2));
    expect(replayed.differences.map((d) => d.kind)).toEqual(["output"]);
  });

  it("refuses malformed WASI values with their path", () => {
    const base = { format: "threadspace-trace", version: 3, plugin: { name: "p", version: "1.0.0", sha256: null }, export: "now", input: { text: "" }, config: {}, host: [], events: [], logs: [], result: { output: null }, fuel: null, timing: { startedAt: "2026-12-07T00:00:00Z", durationMs: 1 } };
    const refused = (wasi: unknown, version = 3) => {
      try {
        parseTrace({ ...base, version, wasi });
        return undefined;
      } catch (error) {
        return (error as { code: string; issues: { path: string }[] }).issues.map((issue) => issue.path);
      }
    };
    expect(refused([{ fn: "random_get", arg: 4, errno: 0, value: "AAEC" }])).toEqual(["$.wasi[0].value"]);
    expect(refused([{ fn: "clock_time_get", arg: 0, errno: 0, value: "99999999999999999999" }])).toEqual(["$.wasi[0].value"]);
    expect(refused([{ fn: "clock_time_get", arg: 0, errno: 28, value: "1" }])).toEqual(["$.wasi[0].value"]);
    expect(refused([{ fn: "fd_write", arg: 0, errno: 0 }])?.[0]).toContain("$.wasi[0]");
    expect(refused([{ fn: "clock_time_get", arg: 0, errno: 0, value: "1" }], 2)).toEqual(["$.wasi"]);
    expect(refused([{ fn: "clock_time_get", arg: 0, errno: 0, value: "1" }, { fn: "random_get", arg: 2, errno: 0, value: "AAE=" }])).toBeUndefined();
  });

  it("runs the plugin as raw Extism's WASI does (every export succeeds on both)", async () => {
    const raw = await rawSide(setup);
    const threadspace = await threadspaceSide(setup);
    try {
      for (const name of ["now", "started"]) {
        const a = await raw.call(name);
        const b = await threadspace.call(name);
        expect([a.ok, b.ok]).toEqual([true, true]);
      }
    } finally {
      await raw.close();
      await threadspace.close();
    }
  });
});
