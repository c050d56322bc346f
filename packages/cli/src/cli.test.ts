import { describe, expect, it } from "vitest";
import { ThreadspaceError } from "@threadspace/errors";
import { run, VERSION } from "./cli.ts";
import { reportError } from "./output.ts";
import { captureIo } from "./test-support/capture-io.ts";

async function cli(args: string[], env: Record<string, string> = {}) {
  const captured = captureIo({ env });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

describe("threadspace (global)", () => {
  it("--help lists every command; a command's --help shows its options and examples", async () => {
    const global = await cli(["--help"]);
    expect(global.code).toBe(0);
    for (const command of ["validate <bundle>", "inspect <target>", "call <bundle> <export> [input]", "hash <wasm>"]) expect(global.out).toContain(`  ${command}`);
    const call = await cli(["call", "--help"]);
    expect(call.code).toBe(0);
    expect(call.out).toMatch(/^Usage:\n {2}\$ threadspace call <bundle> <export> \[input\] \[options\]/);
    expect(call.out).toContain("--stdin");
    expect(call.out).toContain("$ threadspace call examples/hello greet World");
    expect((await cli(["hash", "-h"])).out).toContain("--write <bundle>");
  });

  it("--version prints the package version", async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    const result = await cli(["--version"]);
    expect(result).toMatchObject({ code: 0, err: "" });
    expect(result.out).toBe(`threadspace/${VERSION} node-${process.version}\n`);
  });

  it("exits 2 with help for no command, and for unknown commands and options", async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("Commands:");
    expect(await cli(["frobnicate"])).toMatchObject({ code: 2, err: 'error: unknown command "frobnicate". Commands: validate, inspect, call, replay, hash, cap, init-plugin, build, test, run, pack, sign, verify, keygen, bindgen.\nRun "threadspace --help" for usage.\n' });
    expect(await cli(["inspect", "x", "--yaml"])).toMatchObject({ code: 2, err: 'error: Unknown option "--yaml"\nRun "threadspace inspect --help" for usage.\n' });
    expect((await cli(["validate"])).code).toBe(2);
    expect((await cli(["validate", "a", "b"])).code).toBe(2);
  });
});

describe("error reports", () => {
  const issues = [
    { path: "$.name", message: "is required." },
    { path: "$.permissions[0]", message: "is unknown." },
  ];

  it("print code, message and each issue, and a stack only with THREADSPACE_DEBUG=1", () => {
    const error = new ThreadspaceError("manifest_invalid", "plugin.json has 2 problems.", { issues });
    const plain = captureIo();
    expect(reportError(plain.io, error)).toBe(1);
    expect(plain.stderr()).toBe("error [manifest_invalid] [threadspace] plugin.json has 2 problems.\n  $.name: is required.\n  $.permissions[0]: is unknown.\n");
    const debug = captureIo({ env: { THREADSPACE_DEBUG: "1" } });
    reportError(debug.io, new ThreadspaceError("plugin_trap", "trapped", { cause: new Error("unreachable") }));
    expect(debug.stderr()).toMatch(/^error \[plugin_trap\] \[threadspace\] trapped\nThreadspaceError: .*\n\s+at /);
    expect(debug.stderr()).toContain("Caused by: Error: unreachable");
  });

  it("print other errors as error: message, without a stack", () => {
    const captured = captureIo();
    expect(reportError(captured.io, new TypeError("boom"))).toBe(1);
    expect(captured.stderr()).toBe("error: boom\n");
    const thrown = captureIo();
    reportError(thrown.io, "a string");
    expect(thrown.stderr()).toBe("error: a string\n");
  });
});
