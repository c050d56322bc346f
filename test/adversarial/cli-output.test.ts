/**
 * Issue 10, item 18: a hostile bundle or plugin puts terminal control sequences in what the
 * CLI prints (plugin.json's description and author, plugin logs, outputs printed as text, error
 * messages quoting plugin text). None of them may reach the terminal raw.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { run } from "../../packages/cli/src/cli.ts";
import { captureIo } from "../../packages/cli/src/test-support/capture-io.ts";
import { escapeControls } from "../../packages/cli/src/terminal-safe.ts";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Control characters a terminal acts on: C0 but newline and tab, DEL, C1, ESC sequences, bidi overrides and isolates. */
const DANGEROUS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
/** A payload with one of each: clear screen, set the window title (OSC ... BEL), CSI in C1 form, a carriage return, bidi overrides. */
const PAYLOAD = "ok\u001b[2J\u001b]0;owned\u0007\u009b31m\rfake\u202eevil\u2066x\u2069\u007f";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "threadspace-cli-output-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A bundle folder of the host-config fixture (ts_log and echo-like exports) with `fields` merged into its plugin.json. */
async function hostileBundle(fields: Record<string, unknown>): Promise<string> {
  const manifest = { name: "host-config", version: "1.0.0", permissions: ["config:read", "log"], interface: "threadspace", ...fields };
  await writeFile(join(dir, "plugin.json"), JSON.stringify(manifest));
  await copyFile(join(fixtures, "build/host-config.wasm"), join(dir, "plugin.wasm"));
  return dir;
}

function expectClean(text: string): void {
  expect(text).not.toMatch(DANGEROUS);
}

describe("CLI output: control characters from plugins and bundles are escaped", () => {
  test("escapeControls escapes every dangerous character and keeps newlines, tabs and ordinary text", () => {
    const escaped = escapeControls(`a\tb\nc ${PAYLOAD} é 日本`);
    expectClean(escaped);
    expect(escaped).toContain("a\tb\nc ok\\u001b[2J\\u001b]0;owned\\u0007\\u009b31m\\u000dfake\\u202eevil\\u2066x\\u2069\\u007f é 日本");
    // Every code point in the classes, one by one.
    for (let cp = 0; cp <= 0x2069; cp++) {
      const ch = String.fromCodePoint(cp);
      if (DANGEROUS.test(ch)) expect(escapeControls(ch)).toBe(`\\u${cp.toString(16).padStart(4, "0")}`);
    }
  });

  test("inspect: description and author from plugin.json", async () => {
    const bundle = await hostileBundle({ description: `desc ${PAYLOAD}`, author: `auth ${PAYLOAD}` });
    const out = captureIo({ cwd: dir });
    expect(await run(["inspect", bundle], out.io)).toBe(0);
    expect(out.stdout()).toContain("desc ok\\u001b[2J");
    expect(out.stdout()).toContain("auth ok");
    expectClean(out.stdout());
    expectClean(out.stderr());
  });

  test("inspect --json stays valid JSON with the same strings", async () => {
    const bundle = await hostileBundle({ description: `desc ${PAYLOAD}` });
    const out = captureIo({ cwd: dir });
    expect(await run(["inspect", bundle, "--json"], out.io)).toBe(0);
    expectClean(out.stdout());
    expect((JSON.parse(out.stdout()) as { manifest: { description: string } }).manifest.description).toBe(`desc ${PAYLOAD}`);
  });

  test("call: the plugin's log lines", async () => {
    const bundle = await hostileBundle({});
    const out = captureIo({ cwd: dir });
    const code = await run(["call", bundle, "log", JSON.stringify({ level: "warn", message: `log ${PAYLOAD}`, fields: { f: PAYLOAD } }), "--grant", "all"], out.io);
    expect(code).toBe(0);
    expect(out.stderr()).toContain("log ok\\u001b[2J");
    expectClean(out.stderr());
  });

  test("call: an output printed as text on a terminal (piped, the bytes stay exact)", async () => {
    await writeFile(join(dir, "plugin.json"), JSON.stringify({ name: "ok", version: "1.0.0", interface: "threadspace" }));
    await copyFile(join(fixtures, "build/ok.wasm"), join(dir, "plugin.wasm"));
    const tty = captureIo({ cwd: dir, stdoutIsTTY: true });
    expect(await run(["call", dir, "echo", PAYLOAD], tty.io)).toBe(0);
    expect(tty.stdout()).toContain("ok\\u001b[2J");
    expectClean(tty.stdout());
    const piped = captureIo({ cwd: dir, stdoutIsTTY: false });
    expect(await run(["call", dir, "echo", PAYLOAD], piped.io)).toBe(0);
    expect(piped.stdout()).toBe(PAYLOAD);
  });

  test("errors that quote plugin.json text", async () => {
    const bundle = await hostileBundle({ version: `1.0.0${PAYLOAD}`, dependencies: [`dep${PAYLOAD}`] });
    const out = captureIo({ cwd: dir });
    expect(await run(["inspect", bundle], out.io)).toBe(1);
    expect(out.stderr()).toContain("manifest_invalid");
    expectClean(out.stderr());
    const validate = captureIo({ cwd: dir });
    expect(await run(["validate", bundle], validate.io)).toBe(1);
    expectClean(validate.stderr());
    expectClean(validate.stdout());
  });
});
