import { readFile, stat, writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { pluginWat, tempDir, watToWasm } from "../test-support/fixtures.ts";

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
  await writeFile(join(dir, "plugin.wasm"), wasm);
});
afterEach(() => cleanup());

async function hash(...args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(["hash", ...args], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

const manifestPath = () => join(dir, "plugin.json");

describe("threadspace hash", () => {
  it("prints sha256:<hex> of the file", async () => {
    expect(await hash("plugin.wasm")).toEqual({ code: 0, out: `${digest}\n`, err: "" });
  });

  it("--write inserts hash after main and leaves the rest of plugin.json as it was", async () => {
    const original = `{\n    "name": "fixture",\n    "version": "1.0.0",\n    "main": "plugin.wasm",\n    "config": { "a": [1, 2] }\n}\n`;
    await writeFile(manifestPath(), original);
    await chmod(manifestPath(), 0o640);
    const result = await hash("plugin.wasm", "--write", ".");
    expect(result).toEqual({ code: 0, out: `${digest}\n`, err: '✓ wrote "hash" to plugin.json\n' });
    expect(await readFile(manifestPath(), "utf8")).toBe(original.replace(`"main": "plugin.wasm",\n`, `"main": "plugin.wasm",\n    "hash": "${digest}",\n`));
    expect((await stat(manifestPath())).mode & 0o777).toBe(0o640);
  });

  it("--write replaces a stale hash in place, and leaves a current one alone", async () => {
    const stale = `{"name": "fixture", "version": "1.0.0", "hash": "sha256:${"0".repeat(64)}", "main": "plugin.wasm"}`;
    await writeFile(manifestPath(), stale);
    expect((await hash("plugin.wasm", "--write", "plugin.json")).code).toBe(0);
    expect(await readFile(manifestPath(), "utf8")).toBe(stale.replace(`sha256:${"0".repeat(64)}`, digest));
    expect((await hash("plugin.wasm", "--write", ".")).err).toBe("✓ plugin.json already has this hash\n");
  });

  it("warns when the bundle's main names another file", async () => {
    await writeFile(manifestPath(), `{"name": "fixture", "version": "1.0.0", "main": "build/other.wasm"}`);
    const result = await hash("plugin.wasm", "--write", ".");
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^warning: plugin\.json names "build\/other\.wasm" as its wasm, not plugin\.wasm/);
  });

  it("refuses to write into a plugin.json that is not JSON, or that is missing", async () => {
    await writeFile(manifestPath(), `{"name": "fixture",}`);
    const broken = await hash("plugin.wasm", "--write", ".");
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error \[manifest_invalid\] \[threadspace\] plugin\.json is not valid JSON/);
    expect(await readFile(manifestPath(), "utf8")).toBe(`{"name": "fixture",}`);
    const missing = await hash("plugin.wasm", "--write", "nowhere");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error \[source_invalid\] /);
  });

  it("fails for a missing file, and treats a missing --write value as a usage error", async () => {
    expect(await hash("nope.wasm")).toMatchObject({ code: 1, err: expect.stringMatching(/^error \[source_invalid\] \[threadspace\] cannot read nope\.wasm: it does not exist/) });
    expect((await hash("plugin.wasm", "--write")).code).toBe(2);
    expect((await hash("plugin.wasm", "--write", "a", "--write", "b")).code).toBe(2);
  });
});
