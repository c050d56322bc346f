import { access, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { tempDir } from "../test-support/fixtures.ts";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

async function cli(...args: string[]) {
  const captured = captureIo({ cwd: dir, env: { USER: "tester" } });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}
const exists = (path: string) => access(path).then(() => true, () => false);
const json = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;

describe("threadspace init-plugin", () => {
  it("creates a plugin folder from the C template with the name, author and description filled in", async () => {
    const result = await cli("init-plugin", "my_filter", "--template", "c", "--description", 'Filters "things"');
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/created my_filter from the c template/);
    expect(result.out).toMatch(/threadspace build my_filter/);
    const manifest = await json(join(dir, "my_filter/plugin.json"));
    expect(manifest).toMatchObject({ name: "my_filter", version: "0.1.0", author: "tester", description: 'Filters "things"', interface: "threadspace" });
    expect(await readFile(join(dir, "my_filter/src/plugin.c"), "utf8")).toContain('\\"name\\":\\"my_filter\\"');
    expect(await exists(join(dir, "my_filter/.gitignore"))).toBe(true);
    expect(await exists(join(dir, "my_filter/tests/cases.json"))).toBe(true);
  });

  it("refuses an invalid name (suggesting one), an unknown template and a folder that is not empty", async () => {
    const bad = await cli("init-plugin", "My Plugin");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/not a valid plugin name.*Did you mean "my_plugin"/);
    const template = await cli("init-plugin", "ok_name", "--template", "rust");
    expect(template.code).toBe(2);
    expect(template.err).toMatch(/unknown template. Templates: assemblyscript, c/);
    await writeFile(join(dir, "keep.txt"), "mine");
    const occupied = await cli("init-plugin", "ok_name", "--dir", ".");
    expect(occupied.code).toBe(1);
    expect(occupied.err).toMatch(/is not empty \(keep.txt\); init-plugin never overwrites files/);
    expect(await readFile(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });
});

// clang builds take seconds, many more on a loaded machine.
describe("threadspace build and test (C template: clang)", { timeout: 90_000 }, () => {
  it("builds the wasm, writes its hash into plugin.json, and the template passes its own test", async () => {
    await cli("init-plugin", "c_demo", "--template", "c");
    const built = await cli("build", "c_demo");
    expect(built.code).toBe(0);
    const wasm = new Uint8Array(await readFile(join(dir, "c_demo/plugin.wasm")));
    const digest = `sha256:${await sha256Hex(wasm)}`;
    expect(built.out.trim()).toBe(`c_demo/plugin.wasm ${digest}`);
    expect(built.err).toMatch(/built c_demo 0.1.0 \(c \+ pdk-c\)/);
    expect((await json(join(dir, "c_demo/plugin.json")))["hash"]).toBe(digest);
    const tested = await cli("test", "c_demo");
    expect(tested.err).not.toMatch(/built/); // up to date: not rebuilt
    expect(tested.out).toMatch(/✓ installs/);
    expect(tested.out).toMatch(/✓ greets by name: greet/);
    expect(tested.out).toMatch(/✓ cleanup on unload/);
    // The template's Vitest tests (tests/plugin.test.ts, @threadspace/testing) run after the cases.
    expect(tested.out).toMatch(/Tests {2}6 passed \(6\)/);
    expect(tested.out).toMatch(/✓ Vitest: tests\/plugin.test.ts\nall 9 checks passed/);
    expect(tested.code).toBe(0);
  });

  it("test fails when a Vitest test fails, with Vitest's report; --no-vitest skips them", async () => {
    await cli("init-plugin", "c_demo", "--template", "c");
    await writeFile(
      join(dir, "c_demo/tests/wrong.test.ts"),
      'import { expect, test } from "vitest";\nimport { testPlugin } from "@threadspace/testing/vitest";\ntest("wrong on purpose", async () => {\n  const t = await testPlugin("./");\n  await t.call("recall", "note");\n  expect(t).toHaveEmitted("notes.forgotten");\n});\n',
    );
    const tested = await cli("test", "c_demo");
    expect(tested.out).toMatch(/Vitest: tests\/plugin.test.ts, tests\/wrong.test.ts/);
    expect(tested.out + tested.err).toMatch(/wrong on purpose/);
    expect(tested.out + tested.err).toMatch(/expected c_demo to have emitted notes.forgotten; it emitted:\n\s+notes.recalled \{"tag":"note","count":0\}/);
    expect(tested.out).toMatch(/✗ Vitest: tests\/plugin.test.ts, tests\/wrong.test.ts\n {4}vitest exited with 1/);
    expect(tested.code).toBe(1);
    const skipped = await cli("test", "c_demo", "--no-vitest");
    expect(skipped.out).not.toMatch(/Vitest/);
    expect(skipped.code).toBe(0);
  });

  it("build --fuel also writes the metered module next to the plain one (or to --out), and inspect tells them apart", { timeout: 120_000 }, async () => {
    expect((await cli("init-plugin", "c_meter", "--template", "c")).code).toBe(0);
    const built = await cli("build", "c_meter", "--fuel");
    expect(built.code).toBe(0);
    expect(built.out).toMatch(/c_meter\/plugin.wasm sha256:[0-9a-f]{64}\nc_meter\/plugin.metered.wasm\n/);
    expect(built.err).toMatch(/✓ metered: fuel charges and checks/);
    expect((await cli("inspect", "c_meter/plugin.wasm")).out).toMatch(/metered +no \(the engine meters it at install/);
    expect((await cli("inspect", "c_meter/plugin.metered.wasm")).out).toMatch(/metered +yes \(transform version \d+, fuel, memory ≤ \d+ pages, tables ≤ 100000 elements\)/);
    expect((await cli("build", "c_meter", "--fuel", "--out", "edge/c_meter.wasm")).code).toBe(0);
    expect(await exists(join(dir, "edge/c_meter.wasm"))).toBe(true);
    expect((await cli("build", "c_meter", "--out", "x.wasm")).err).toMatch(/--out <file> goes with --fuel/);
  });

  it("test fails, naming the case and both answers, when a call does not answer as expected", async () => {
    await cli("init-plugin", "c_demo", "--template", "c");
    const casesPath = join(dir, "c_demo/tests/cases.json");
    await writeFile(casesPath, JSON.stringify({ cases: [{ name: "wrong on purpose", export: "greet", input: "Ada", expect: { text: "Bye, Ada!" } }, { export: "greet", expect: { error: "plugin_trap" } }] }));
    const tested = await cli("test", "c_demo", "--no-vitest");
    expect(tested.code).toBe(1);
    expect(tested.out).toMatch(/✗ wrong on purpose: greet \(fuel \d+\)\n {4}expected "Bye, Ada!", got "Hello, Ada! \(visit #1\)"/);
    expect(tested.out).toMatch(/✗ case 2: greet \(fuel \d+\)\n {4}expected error plugin_trap, got output/);
    expect(tested.out).toMatch(/2 of 5 checks failed/);
  });

  it("test reports each case's fuel, and fails a case over its maxFuel", async () => {
    await cli("init-plugin", "c_demo", "--template", "c");
    const casesPath = join(dir, "c_demo/tests/cases.json");
    await writeFile(casesPath, JSON.stringify({ cases: [{ name: "cheap", export: "greet", input: "Ada", maxFuel: 10_000_000, expect: { text: "Hello, Ada! (visit #1)" } }, { name: "budget too small", export: "greet", input: "Ada", maxFuel: 1, expect: { text: "Hello, Ada! (visit #2)" } }] }));
    const tested = await cli("test", "c_demo", "--no-vitest");
    expect(tested.out).toMatch(/✓ cheap: greet \(fuel \d+ of 10000000\)/);
    expect(tested.out).toMatch(/✗ budget too small: greet\n {4}used more than maxFuel 1: make the export cheaper or raise maxFuel/);
    expect(tested.code).toBe(1);
    await writeFile(casesPath, JSON.stringify({ cases: [{ export: "greet", maxFuel: 0.5, expect: { text: "" } }] }));
    expect((await cli("test", "c_demo", "--no-build")).err).toMatch(/cases\[0\]\.maxFuel must be a whole number/);
  });

  it("a compile error fails the build with clang's message and leaves no wasm; a bad cases file is refused", async () => {
    await cli("init-plugin", "c_demo", "--template", "c");
    await writeFile(join(dir, "c_demo/src/plugin.c"), "int broken( {\n");
    const built = await cli("build", "c_demo");
    expect(built.code).toBe(1);
    expect(built.err).toMatch(/error: clang .*\n.*plugin\.c:1/);
    expect(await exists(join(dir, "c_demo/plugin.wasm"))).toBe(false);
    await rm(join(dir, "c_demo/src"), { recursive: true });
    const nothing = await cli("build", "c_demo");
    expect(nothing.err).toMatch(/nothing to build. "threadspace init-plugin" creates a plugin/);
    await writeFile(join(dir, "c_demo/tests/cases.json"), '{"cases":[{"export":"greet"}]}');
    const cases = await cli("test", "c_demo", "--no-build");
    expect(cases.code).toBe(1);
    expect(cases.err).toMatch(/\[bad_input\] .*cases\[0\]\.expect must be an object/);
  });
});

describe("threadspace build (AssemblyScript template: asc + @threadspace/pdk-as)", () => {
  it("builds and passes its own test, outside any package (the CLI's PDK is found)", { timeout: 120_000 }, async () => {
    await cli("init-plugin", "as_demo");
    const tested = await cli("test", "as_demo");
    expect(tested.err).toMatch(/built as_demo 0.1.0 \(assemblyscript \+ pdk-as\)/);
    expect(tested.out).toMatch(/✓ uses the configured greeting: greet/);
    expect(tested.out).toMatch(/✓ Vitest: tests\/plugin.test.ts\nall 9 checks passed/);
    expect(tested.code).toBe(0);
  });
});
