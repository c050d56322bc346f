import { describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { resolveWasiOptions } from "./wasi-options.ts";
import { engineWasi } from "./plugin-wasi.ts";
import { wasiAdapterBytes } from "./wasi-adapter.ts";
import { LogStore } from "@threadspace/host";

const wasiImport = [{ module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" }] as WebAssembly.ModuleImportDescriptor[];

describe("resolveWasiOptions", () => {
  it("is off by default", () => {
    expect(resolveWasiOptions(undefined, true)("p")).toEqual({ output: false, allowedPaths: {} });
  });

  it("refuses mounts at createEngine where the engine has no WASI of its own (browsers, workerd)", () => {
    let error: unknown;
    try {
      resolveWasiOptions({ allowedPaths: { "/data": "/srv" } }, false);
    } catch (e) {
      error = e;
    }
    expect(isThreadspaceError(error, "bad_input")).toBe(true);
    expect(String((error as Error).message)).toContain("Node only");
  });

  it("refuses a per-plugin mount there when the plugin starts", async () => {
    const wanted = resolveWasiOptions({ allowedPaths: () => ({ "/data": "/srv" }) }, false)("p");
    await expect(engineWasi("p", wasiImport, wanted, undefined, new LogStore(), "inline")).rejects.toMatchObject({ code: "bad_input" });
  });

  it("notes that output is discarded there", async () => {
    const wanted = resolveWasiOptions({ output: true }, false)("p");
    const result = await engineWasi("p", wasiImport, wanted, undefined, new LogStore(), "inline");
    expect(result.wasi).toBeUndefined();
    expect(result.notes.join()).toContain("on this runtime");
  });
});

describe("wasiAdapterBytes", () => {
  it("builds a module re-exporting each WASI function with its signature", () => {
    const module = new WebAssembly.Module(wasiAdapterBytes("p", ["clock_time_get", "fd_write", "proc_exit"]) as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.imports(module)).toEqual([
      { module: "threadspace:wasi", name: "clock_time_get", kind: "function" },
      { module: "threadspace:wasi", name: "fd_write", kind: "function" },
      { module: "threadspace:wasi", name: "proc_exit", kind: "function" },
    ]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(["clock_time_get", "fd_write", "proc_exit"]);
  });

  it("refuses a name that is not WASI preview 1", () => {
    expect(() => wasiAdapterBytes("p", ["fd_nonsense"])).toThrow(/not a WASI preview 1 function/);
  });
});
