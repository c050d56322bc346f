import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli.ts";
import { captureIo, type CaptureOptions } from "../test-support/capture-io.ts";
import { fixtureManifest, pluginWat, tempDir, watToWasm, writeBundle } from "../test-support/fixtures.ts";

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeBundle(dir, fixtureManifest("fixture"), await watToWasm(pluginWat("fixture")));
});
afterAll(() => cleanup());

async function call(args: string[], options: CaptureOptions = {}) {
  const captured = captureIo({ cwd: dir, ...options });
  const code = await run(["call", ".", ...args], captured.io);
  return { code, out: captured.stdout(), bytes: captured.stdoutBytes(), err: captured.stderr() };
}

describe("threadspace call", () => {
  it("prints the output as it is, with no newline when stdout is not a terminal", async () => {
    expect(await call(["echo", "Hello, World!"])).toMatchObject({ code: 0, out: "Hello, World!", err: "" });
  });

  it("adds a trailing newline on a terminal", async () => {
    expect(await call(["echo", "hi"], { stdoutIsTTY: true })).toMatchObject({ code: 0, out: "hi\n" });
    expect(await call(["echo", "hi\n"], { stdoutIsTTY: true })).toMatchObject({ code: 0, out: "hi\n" });
  });

  it("writes raw bytes unchanged", async () => {
    const { code, bytes } = await call(["bytes"]);
    expect(code).toBe(0);
    expect([...bytes]).toEqual([0x00, 0xff, 0x0a, 0x41]);
  });

  it("sends an empty input when none is given", async () => {
    expect(await call(["echo"])).toMatchObject({ code: 0, out: "" });
  });

  it("with --json, sends the input as JSON and pretty-prints JSON output", async () => {
    expect(await call(["echo", "--json", '{"a": [1,  2]}'])).toMatchObject({ code: 0, out: '{\n  "a": [\n    1,\n    2\n  ]\n}\n' });
    expect(await call(["pair", "--json"])).toMatchObject({ code: 0, out: '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\n' });
  });

  it("reads the input from stdin with --stdin, as bytes", async () => {
    expect(await call(["echo", "--stdin"], { stdin: new Uint8Array([0x41, 0x00, 0xfe]) })).toMatchObject({ code: 0, bytes: new Uint8Array([0x41, 0x00, 0xfe]) });
    expect(await call(["echo", "--stdin", "--json"], { stdin: '"Ada"' })).toMatchObject({ code: 0, out: '"Ada"\n' });
  });

  it("--fuel prints the fuel the call used on stderr; --fuel <n> also sets the budget", async () => {
    const counted = await call(["echo", "hello", "--fuel"]);
    expect(counted).toMatchObject({ code: 0, out: "hello" });
    const used = Number(/^fuel: (\d+)\n$/.exec(counted.err)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(await call(["echo", "hello", "--fuel", String(used)])).toMatchObject({ code: 0, out: "hello", err: `fuel: ${used} of ${used}\n` });
    const over = await call(["echo", "hello", "--fuel", String(used - 1)]);
    expect(over.code).toBe(1);
    expect(over.err).toMatch(/^error \[fuel_exhausted\] .*fuel budget of \d+/);
    expect(await call(["echo", "x", "--fuel", "lots"])).toMatchObject({ code: 2 });
  });

  it("takes an input that starts with - after --", async () => {
    expect(await call(["echo", "--", "-1"])).toMatchObject({ code: 0, out: "-1" });
  });

  it("reports plugin errors with their code, exit 1", async () => {
    const failed = await call(["fail", "x"]);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe("");
    expect(failed.err).toMatch(/^error \[plugin_error\] \[threadspace\] \[plugin fixture\] .*boom/);
    expect(failed.err).not.toMatch(/\n\s+at /);
    const missing = await call(["nope"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error \[export_missing\] /);
  });

  it("reports output that is not JSON under --json", async () => {
    const result = await call(["echo", "--json", '"not json once echoed"']);
    expect(result).toMatchObject({ code: 0, out: '"not json once echoed"\n' });
    const bad = await call(["bytes", "--json"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error \[bad_output\] /);
  });

  it("treats command-line mistakes as usage errors, exit 2", async () => {
    const both = await call(["echo", "x", "--stdin"], { stdin: "y" });
    expect(both.code).toBe(2);
    expect(both.err).toBe('error: pass the input as an argument or with --stdin, not both.\nRun "threadspace call --help" for usage.\n');
    const badJson = await call(["echo", "--json", "{nope"]);
    expect(badJson.code).toBe(2);
    expect(badJson.err).toMatch(/^error: --json needs JSON input, and "\{nope" is not JSON/);
    expect((await call(["echo", "a", "b"])).code).toBe(2);
    expect((await call(["echo", "--", "a", "b"])).code).toBe(2);
    expect((await call([])).code).toBe(2);
  });

  it("fails when the bundle cannot be installed", async () => {
    const captured = captureIo({ cwd: dir });
    const code = await run(["call", join(dir, "missing"), "echo"], captured.io);
    expect(code).toBe(1);
    expect(captured.stderr()).toMatch(/^error \[source_invalid\] /);
  });
});
