import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { fixtureManifest, pluginWat, tempDir, watToWasm, writeBundle } from "../test-support/fixtures.ts";
import type { InspectReport } from "./inspect.ts";

let wasm: Uint8Array;
let digest: string;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  wasm = await watToWasm(pluginWat("fixture"));
  digest = `sha256:${await sha256Hex(wasm)}`;
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await mkdir(join(dir, "b"));
});
afterEach(() => cleanup());

async function inspect(...args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(["inspect", ...args], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

describe("threadspace inspect", () => {
  it("prints the manifest summary and the wasm's shape for a bundle", async () => {
    await writeBundle(join(dir, "b"), fixtureManifest("fixture", { permissions: ["log"], capabilities: ["echo"], hash: digest }), wasm);
    const { code, out, err } = await inspect("b");
    expect(code).toBe(0);
    expect(err).toBe("");
    const lines = out.split("\n");
    expect(lines[0]).toBe("fixture@1.0.0  (b/plugin.json)");
    expect(out).toContain("  interface     threadspace\n");
    expect(out).toContain("  capabilities  echo\n");
    expect(out).toContain("  permissions   log\n");
    expect(out).toContain("  dependencies  none\n");
    expect(out).toContain("wasm  b/plugin.wasm\n");
    expect(out).toContain(`  size          ${wasm.byteLength} bytes`);
    expect(out).toContain(`  sha256        ${digest}  (matches plugin.json)\n`);
    expect(out).toContain("  wasi          no\n");
    expect(out).toContain("  memory        defined, initial 1 page (64 KiB), maximum 4 pages (256 KiB)\n");
    expect(out).toContain("  exports (7)   init_plugin, get_metadata, echo, pair, bytes, fail, memory (memory)\n");
    expect(out).toContain("  imports (6)\n    extism:host/env: input_length, input_load_u8, alloc, store_u8, output_set, error_set\n");
  });

  it("prints one JSON object with --json", async () => {
    await writeBundle(join(dir, "b"), fixtureManifest("fixture", { hash: `sha256:${"0".repeat(64)}` }), wasm);
    const { code, out } = await inspect("b", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out) as InspectReport;
    expect(report.manifest).toMatchObject({ name: "fixture", version: "1.0.0", path: "b/plugin.json", hashStatus: "mismatch", interface: "threadspace", permissions: [] });
    expect(report.wasm).toMatchObject({ path: "b/plugin.wasm", size: wasm.byteLength, sha256: digest, usesWasi: false });
    expect(report.wasm.memories).toEqual([{ index: 0, imported: false, import: null, initialPages: 1, maximumPages: 4, shared: false, memory64: false, pageBytes: 65536 }]);
    expect(report.wasm.imports["extism:host/env"]).toContainEqual({ name: "alloc", kind: "function" });
    expect(report.wasm.exports).toContainEqual({ name: "memory", kind: "memory" });
  });

  it("inspects a .wasm file on its own: imported memory, WASI, grouped imports", async () => {
    const bytes = await watToWasm(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "env" "memory" (memory 2 10))
      (import "extism:host/env" "alloc" (func (param i64) (result i64)))
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (func (export "_start")))`);
    await writeFile(join(dir, "tool.wasm"), bytes);
    const human = await inspect("tool.wasm");
    expect(human.code).toBe(0);
    expect(human.out).not.toContain("@");
    expect(human.out).toContain("  wasi          yes");
    expect(human.out).toContain('  memory        imported from "env" "memory", initial 2 pages (128 KiB), maximum 10 pages (640 KiB)\n');
    expect(human.out).toContain("    wasi_snapshot_preview1: fd_write, proc_exit\n    env: memory (memory)\n    extism:host/env: alloc\n");
    const json = JSON.parse((await inspect("tool.wasm", "--json")).out) as InspectReport;
    expect(json.manifest).toBeUndefined();
    expect(json.wasm.usesWasi).toBe(true);
    expect(Object.keys(json.wasm.imports)).toEqual(["wasi_snapshot_preview1", "env", "extism:host/env"]);
  });

  it("fails with a build hint when the wasm is missing, and with every issue for an invalid manifest", async () => {
    await writeBundle(join(dir, "b"), fixtureManifest("fixture"));
    const missing = await inspect("b");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error \[source_invalid\] \[threadspace\] \[plugin fixture\] "plugin\.wasm" does not exist \(looked for b\/plugin\.wasm\)\. Build the plugin first/);
    await writeBundle(join(dir, "b"), { name: "fixture", version: "x", permissions: ["nope"] });
    const invalid = await inspect("b");
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/^error \[manifest_invalid\] /);
    expect(invalid.err).toMatch(/\n {2}\$\.version: .*\n {2}\$\.permissions\[0\]: /);
  });

  it("fails on a file that is not WebAssembly", async () => {
    await writeFile(join(dir, "notes.txt"), "hello");
    const { code, err } = await inspect("notes.txt");
    expect(code).toBe(1);
    expect(err).toMatch(/^error \[wasm_invalid\] \[threadspace\] notes\.txt is not a WebAssembly module/);
  });
});
