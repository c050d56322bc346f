import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { METER_VERSION, readMemoryLimits, readMeterSection, sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { pluginWat, tempDir, watToWasm } from "../test-support/fixtures.ts";

let wasm: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  // No declared maximum: the memory may grow to 4 GiB until capped.
  wasm = await watToWasm(pluginWat("fixture").replace('(memory (export "memory") 1 4)', '(memory (export "memory") 1)'));
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFile(join(dir, "plugin.wasm"), wasm);
});
afterEach(() => cleanup());

async function cap(manifest: Record<string, unknown> | undefined, ...args: string[]) {
  if (manifest !== undefined) await writeFile(join(dir, "plugin.json"), JSON.stringify({ name: "fixture", version: "1.0.0", ...manifest }));
  const captured = captureIo({ cwd: dir });
  const code = await run(["cap", ...args], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

const maximum = async (file: string) => readMemoryLimits(new Uint8Array(await readFile(join(dir, file))))[0]?.maximumPages;

describe("threadspace cap", () => {
  it("writes the wasm with the default cap (256 pages) and says what changed", async () => {
    expect(readMemoryLimits(wasm)[0]?.maximumPages).toBeUndefined();
    const result = await cap({}, ".", "--out", "out/fixture.wasm");
    expect(result).toEqual({ code: 0, out: "out/fixture.wasm\n", err: "✓ memory: 1 page at start, maximum none → 1 page at start, maximum 256 pages\n" });
    expect(await maximum("out/fixture.wasm")).toBe(256);
  });

  it("applies plugin.json's limits.memoryPages under the --memory-pages ceiling", async () => {
    expect((await cap({ limits: { memoryPages: 20 } }, ".", "--out", "a.wasm")).code).toBe(0);
    expect(await maximum("a.wasm")).toBe(20);
    const capped = await cap({ limits: { memoryPages: 20 } }, ".", "--out", "b.wasm", "--memory-pages", "8");
    expect(capped.code).toBe(0);
    expect(capped.err).toMatch(/^note: memoryPages: asked for 20 pages .*capped by policy to 8 pages/);
    expect(await maximum("b.wasm")).toBe(8);
  });

  it("checks plugin.json's hash first and writes nothing on a mismatch", async () => {
    const good = await cap({ hash: `sha256:${await sha256Hex(wasm)}` }, ".", "--out", "ok.wasm");
    expect(good.code).toBe(0);
    const bad = await cap({ hash: `sha256:${"0".repeat(64)}` }, ".", "--out", "bad.wasm");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/hash_mismatch/);
    await expect(readFile(join(dir, "bad.wasm"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a module that needs more memory at start than the cap", async () => {
    const result = await cap({}, ".", "--out", "x.wasm", "--memory-pages", "1");
    expect(result.code).toBe(0);
    const big = await watToWasm(pluginWat("fixture").replace('(memory (export "memory") 1 4)', '(memory (export "memory") 3)'));
    await writeFile(join(dir, "plugin.wasm"), big);
    const refused = await cap({}, ".", "--out", "y.wasm", "--memory-pages", "2");
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/memory_limit/);
  });

  it("needs --out, and a whole number of pages", async () => {
    expect((await cap({}, ".")).code).toBe(2);
    expect((await cap({}, ".", "--out", "x.wasm", "--memory-pages", "lots")).err).toMatch(/--memory-pages takes a whole number/);
  });

  it("--fuel writes the metered module: fuel imports and export, caps, and the threadspace.meter section", async () => {
    const result = await cap({ limits: { memoryPages: 20 } }, ".", "--fuel", "--out", "metered.wasm");
    expect(result.code).toBe(0);
    expect(result.out).toBe("metered.wasm\n");
    expect(result.err).toMatch(/✓ memory: 1 page at start, maximum none → 1 page at start, maximum 20 pages\n✓ metered: fuel charges and checks \(transform version \d+\), tables capped at 100000 elements/);
    const bytes = new Uint8Array(await readFile(join(dir, "metered.wasm")));
    expect(readMeterSection(bytes)).toEqual({ version: METER_VERSION, fuel: true, tableElements: 100_000, memoryPages: 20 });
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module).filter((i) => i.module === "threadspace:meter").map((i) => i.name)).toEqual(["refuel", "grow_refused"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain("__threadspace_fuel");
    expect(await maximum("metered.wasm")).toBe(20);
  });

  it("--fuel refuses a module that is already metered", async () => {
    expect((await cap({}, ".", "--fuel", "--out", "once.wasm")).code).toBe(0);
    await writeFile(join(dir, "plugin.wasm"), await readFile(join(dir, "once.wasm")));
    const twice = await cap({}, ".", "--fuel", "--out", "twice.wasm");
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/already metered/);
  });
});
