import { describe, expect, it } from "vitest";
import { WasiOverlay, WasiRecorder, valueOf } from "./wasi-reads.ts";

describe("WasiRecorder", () => {
  it("keeps each read in order, clocks in decimal and bytes in base64, errors without a value", () => {
    const recorder = new WasiRecorder();
    expect(recorder.read("clock_time_get", 0, () => ({ errno: 0, value: 18446744073709551615n }))).toEqual({ errno: 0, value: 18446744073709551615n });
    recorder.read("random_get", 3, () => ({ errno: 0, value: new Uint8Array([1, 2, 255]) }));
    recorder.read("clock_res_get", 9, () => ({ errno: 28 }));
    expect(recorder.reads).toEqual([
      { fn: "clock_time_get", arg: 0, errno: 0, value: "18446744073709551615" },
      { fn: "random_get", arg: 3, errno: 0, value: "AQL/" },
      { fn: "clock_res_get", arg: 9, errno: 28 },
    ]);
    expect(valueOf(recorder.reads[1]!)).toEqual({ errno: 0, value: new Uint8Array([1, 2, 255]) });
  });

  it("stops at 1 MiB of random bytes and says the recording is truncated", () => {
    const recorder = new WasiRecorder();
    recorder.read("random_get", 1024 * 1024, () => ({ errno: 0, value: new Uint8Array(1024 * 1024) }));
    expect(recorder.truncated).toBe(false);
    recorder.read("random_get", 1, () => ({ errno: 0, value: new Uint8Array(1) }));
    expect(recorder.truncated).toBe(true);
    expect(recorder.reads).toHaveLength(1);
  });
});

describe("WasiOverlay", () => {
  const trace = [
    { fn: "clock_time_get", arg: 1, errno: 0, value: "42" },
    { fn: "random_get", arg: 2, errno: 0, value: "AAE=" },
  ] as const;

  it("serves the trace's values in order, never the live ones", () => {
    const overlay = new WasiOverlay(trace);
    const live = () => {
      throw new Error("read live");
    };
    expect(overlay.read("clock_time_get", 1, live)).toEqual({ errno: 0, value: 42n });
    expect(overlay.read("random_get", 2, live)).toEqual({ errno: 0, value: new Uint8Array([0, 1]) });
    expect(overlay.difference()).toBeUndefined();
  });

  it("notes the first read that is not the trace's and answers live from then on", () => {
    const overlay = new WasiOverlay(trace);
    overlay.read("clock_time_get", 1, () => ({ errno: 0, value: 1n }));
    expect(overlay.read("random_get", 3, () => ({ errno: 0, value: new Uint8Array(3) }))).toEqual({ errno: 0, value: new Uint8Array(3) });
    expect(overlay.difference()).toEqual({ kind: "wasi", index: 1, expected: trace[1], got: { fn: "random_get", arg: 3 } });
  });

  it("counts a read the replay never made, and carries its state across a worker", () => {
    const inWorker = new WasiOverlay(trace);
    inWorker.read("clock_time_get", 1, () => ({ errno: 0, value: 1n }));
    const engine = new WasiOverlay(trace);
    engine.adopt(JSON.parse(JSON.stringify(inWorker.state())));
    expect(engine.difference()).toEqual({ kind: "wasi", index: 1, expected: trace[1], got: null });
  });
});
