import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { fixtureManifest, pluginWat, tempDir, watToWasm, writeBundle } from "../test-support/fixtures.ts";

let wasm: Uint8Array;
let plainWasm: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  wasm = await watToWasm(pluginWat("fixture"));
  plainWasm = await watToWasm(pluginWat("fixture", { lifecycle: false }));
});
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function validate(target = "b", ...flags: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(["validate", target, ...flags], captured.io);
  return { code, out: captured.stdout(), err: captured.stderr(), lines: captured.stdout().trimEnd().split("\n") };
}

async function bundle(manifest: Record<string, unknown> | string, bytes?: Uint8Array, main?: string): Promise<void> {
  await mkdir(join(dir, "b"), { recursive: true });
  await writeBundle(join(dir, "b"), manifest, bytes, main);
}

describe("threadspace validate", () => {
  it("accepts a valid bundle, from its folder or its plugin.json", async () => {
    await bundle(fixtureManifest("fixture", { hash: `sha256:${await sha256Hex(wasm)}` }), wasm);
    expect(await validate()).toMatchObject({ code: 0, out: "✓ fixture@1.0.0 is valid\n", err: "" });
    expect(await validate("b/plugin.json")).toMatchObject({ code: 0, out: "✓ fixture@1.0.0 is valid\n" });
  });

  it("accepts a plain Extism plugin without lifecycle exports", async () => {
    await bundle(fixtureManifest("fixture", { interface: "extism" }), plainWasm);
    expect((await validate()).code).toBe(0);
  });

  it("lists every manifest problem and the missing wasm, one per line, with a build hint", async () => {
    await bundle({ name: "Bad Name", version: "one", permissions: ["memory:read", "telepathy"], main: "build/plugin.wasm" });
    const { code, lines, err } = await validate();
    expect(code).toBe(1);
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/^b\/plugin\.json: \$\.name: /);
    expect(lines[1]).toMatch(/^b\/plugin\.json: \$\.version: /);
    expect(lines[2]).toMatch(/^b\/plugin\.json: \$\.permissions\[1\]: /);
    expect(lines[3]).toMatch(/^b\/plugin\.json: \$\.main: "build\/plugin\.wasm" does not exist \(looked for b\/build\/plugin\.wasm\)\. Build the plugin first/);
    expect(err).toBe("✗ 4 problems in b/plugin.json\n");
  });

  it("reports a hash mismatch with the fix", async () => {
    await bundle(fixtureManifest("fixture", { hash: `sha256:${"0".repeat(64)}` }), wasm);
    const { code, lines } = await validate();
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^b\/plugin\.json: \$\.hash: does not match b\/plugin\.wasm: .* run "threadspace hash b\/plugin\.wasm --write b"/)]);
  });

  it("reports missing lifecycle exports and foreign imports", async () => {
    const foreign = await watToWasm(`(module (import "env" "abort" (func)) (func (export "init_plugin")))`);
    await bundle(fixtureManifest("fixture"), foreign);
    const { code, lines } = await validate();
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^b\/plugin\.json: \$\.main: b\/plugin\.wasm lacks the export get_metadata that "interface": "threadspace" requires/),
      expect.stringMatching(/^b\/plugin\.json: \$\.main: b\/plugin\.wasm imports what no Threadspace host serves: "env" "abort" \(function\)\./),
    ]);
  });

  it("checks host-function imports against the engine's, with did-you-mean; --host-function accepts an embedder's own", async () => {
    const typo = await watToWasm(pluginWat("fixture", { extraImports: `(import "extism:host/user" "ts_kv_gte" (func (param i64) (result i64))) (import "extism:host/user" "app_lookup" (func (param i64) (result i64)))` }));
    await bundle(fixtureManifest("fixture"), typo);
    const { code, lines } = await validate();
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/b\/plugin\.wasm imports what no Threadspace host serves: "extism:host\/user" "ts_kv_gte" \(function\), did you mean "ts_kv_get"\?; "extism:host\/user" "app_lookup" \(function\)\. .*--host-function <name>/)]);
    const captured = captureIo({ cwd: dir });
    expect(await run(["validate", "b", "--host-function", "app_lookup"], captured.io)).toBe(1);
    expect(captured.stdout()).not.toContain("app_lookup");
    expect(captured.stdout()).toContain('did you mean "ts_kv_get"');
  });

  it("reports a file that is not wasm, and a wasm that does not compile", async () => {
    await bundle(fixtureManifest("fixture"), new TextEncoder().encode("(module)"));
    expect((await validate()).lines).toEqual([expect.stringMatching(/\$\.main: b\/plugin\.wasm is not a WebAssembly module \(it is WebAssembly text/)]);
    await writeFile(join(dir, "b", "plugin.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99]));
    expect((await validate()).lines).toEqual([expect.stringMatching(/\$\.main: b\/plugin\.wasm does not compile: /)]);
  });

  it("still checks the wasm against the fields that are valid in an invalid manifest", async () => {
    await bundle({ ...fixtureManifest("fixture"), version: "x", hash: `sha256:${"1".repeat(64)}` }, wasm);
    const { lines } = await validate();
    expect(lines.map((l) => l.split(": ")[1])).toEqual(["$.version", "$.hash"]);
  });

  it("does not look at the wasm when main itself is invalid", async () => {
    await bundle({ ...fixtureManifest("fixture"), main: "../../etc/passwd.wasm" });
    const { lines } = await validate();
    expect(lines).toEqual([expect.stringMatching(/^b\/plugin\.json: \$\.main: .*leaves the bundle/)]);
  });

  it("reports JSON syntax errors, a missing plugin.json and an oversized one", async () => {
    await bundle(`{"name": "x",}`);
    expect(await validate()).toMatchObject({ code: 1, lines: [expect.stringMatching(/^b\/plugin\.json: \$: the manifest is not valid JSON/)] });
    await mkdir(join(dir, "empty"));
    expect(await validate("empty")).toMatchObject({ code: 1, lines: [expect.stringMatching(/^empty\/plugin\.json: \$: there is no plugin\.json in empty/)] });
    await bundle(JSON.stringify({ ...fixtureManifest("fixture"), config: { blob: "x".repeat(70_000) } }));
    expect(await validate()).toMatchObject({ code: 1, lines: [expect.stringMatching(/^b\/plugin\.json: \$: the file is \d+ bytes, more than the 65536/)] });
  });

  it("fails with an error for a path that does not exist, and refuses a .wasm or .tsp target as a usage error naming the command to use", async () => {
    const missing = await validate("nowhere");
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toMatch(/^error \[source_invalid\] \[threadspace\] no such file or directory: nowhere/);
    const wasmTarget = await validate("b/plugin.wasm");
    expect(wasmTarget.code).toBe(2);
    expect(wasmTarget.err).toMatch(/run "threadspace inspect b\/plugin\.wasm"/);
    const tspTarget = await validate("hello-1.0.0.tsp");
    expect(tspTarget.code).toBe(2);
    expect(tspTarget.err).toMatch(/is checked by "threadspace verify hello-1\.0\.0\.tsp"/);
  });
});
