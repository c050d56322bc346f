// plugin.json `exports` in the authoring commands: validate names a described export the wasm
// lacks; test runs in debug mode, so an output that breaks its schema fails its case, and a case
// whose input breaks the input schema gets bad_input.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { fixtureManifest, pluginWat, tempDir, watToWasm, writeBundle } from "../test-support/fixtures.ts";

let wasm: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  wasm = await watToWasm(pluginWat("fixture"));
});
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function cli(...args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

async function bundle(exports: Record<string, unknown>, cases?: unknown[]): Promise<void> {
  await mkdir(join(dir, "b", "tests"), { recursive: true });
  await writeBundle(join(dir, "b"), fixtureManifest("fixture", { exports }), wasm);
  if (cases !== undefined) await writeFile(join(dir, "b", "tests", "cases.json"), JSON.stringify({ cases }));
}

describe("plugin.json exports in the CLI", () => {
  it("validate reports a described export the wasm does not export, at its path", async () => {
    await bundle({ echo: { input: { type: "object" } }, analyse: {} });
    const { code, out } = await cli("validate", "b");
    expect(code).toBe(1);
    expect(out.trimEnd().split("\n")).toEqual([expect.stringMatching(/^b\/plugin\.json: \$\.exports\.analyse: describes "analyse", which b\/plugin\.wasm does not export/)]);
  });

  it("test checks outputs against their schemas (debug mode) and refuses inputs that break theirs", async () => {
    await bundle({ pair: { output: { type: "object", required: ["c"] } }, echo: { input: { type: "object", required: ["id"] } } }, [
      { name: "pair", export: "pair", expect: { json: { a: 1, b: [true, null] } } },
      { name: "bad input", export: "echo", input: { name: "x" }, expect: { error: "bad_input" } },
      { name: "good input", export: "echo", input: { id: "x" }, expect: { json: { id: "x" } } },
    ]);
    const { code, out } = await cli("test", "b", "--no-build");
    expect(out).toMatch(/✗ pair: pair\n {4}failed with error output_invalid: .*exports\.pair\.output\): \$ Instance does not have required property/);
    expect(out).toMatch(/✓ bad input: echo/);
    expect(out).toMatch(/✓ good input: echo/);
    expect(code).toBe(1);
  });
});
