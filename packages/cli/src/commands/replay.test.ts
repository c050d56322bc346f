import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { tempDir } from "../test-support/fixtures.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const analyzer = join(root, "examples", "memory-analyzer");

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

async function cli(args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

const utf16 = (text: string): Buffer => Buffer.from(text, "utf16le");

/** A copy of memory-analyzer whose output names wordCount "wordTotal": a changed build. */
async function changedBuild(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const wasm = await readFile(join(analyzer, "plugin.wasm"));
  let at = wasm.indexOf(utf16("wordCount"));
  while (at !== -1) {
    utf16("wordTotal").copy(wasm, at);
    at = wasm.indexOf(utf16("wordCount"), at + 1);
  }
  const manifest = JSON.parse(await readFile(join(analyzer, "plugin.json"), "utf8")) as Record<string, unknown>;
  delete manifest["hash"];
  await writeFile(join(target, "plugin.json"), JSON.stringify(manifest));
  await writeFile(join(target, "plugin.wasm"), wasm);
}

describe("threadspace call --record, replay, and traces in test", () => {
  it("records a call into a .tstrace that replays the same on the plugin, and differently on a changed build (exit 1)", async () => {
    const recorded = await cli(["call", analyzer, "analyze_memory", "m1", "--grant", "all", "--seed", join(analyzer, "seed.json"), "--record", "m1.tstrace"]);
    expect(recorded.code, recorded.err).toBe(0);
    expect(recorded.err).toMatch(/trace: m1\.tstrace \(\d+ host calls/);
    const trace = JSON.parse(await readFile(join(dir, "m1.tstrace"), "utf8")) as { host: { fn: string }[]; format: string };
    expect(trace.format).toBe("threadspace-trace");
    expect(trace.host.map((h) => h.fn)).toContain("ts_memory_get");

    const same = await cli(["replay", "m1.tstrace", analyzer]);
    expect(same.code, same.out + same.err).toBe(0);
    expect(same.out).toContain("analyze_memory replayed on memory-analyzer@1.0.0: same");

    await changedBuild(join(dir, "changed"));
    const changed = await cli(["replay", "m1.tstrace", "changed"]);
    expect(changed.code).toBe(1);
    expect(changed.out).toMatch(/1 difference\n {2}output: expected .*wordCount.*, got .*wordTotal/);
  });

  it("records a failing call too, and refuses a trace that is not one with bad_input and the path", async () => {
    const failed = await cli(["call", analyzer, "analyze_memory", "", "--record", "bad.tstrace"]);
    expect(failed.err).toMatch(/trace: bad\.tstrace/);
    await writeFile(join(dir, "wrong.tstrace"), JSON.stringify({ format: "threadspace-trace", version: 99 }));
    const wrong = await cli(["replay", "wrong.tstrace", analyzer]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/error \[bad_input\]/);
    expect(wrong.err).toContain("$.version");
    await writeFile(join(dir, "big.tstrace"), " ".repeat(8 * 1024 * 1024 + 1));
    const big = await cli(["replay", "big.tstrace", analyzer]);
    expect(big.code).toBe(1);
    expect(big.err).toMatch(/error \[bad_input\].*larger than a trace may be/);
  });

  it("threadspace test replays tests/traces/*.tstrace as regression checks", async () => {
    const bundle = join(dir, "bundle");
    await cp(analyzer, bundle, { recursive: true, filter: (path) => !path.includes(`${join(analyzer, "tests")}`) });
    await mkdir(join(bundle, "tests", "traces"), { recursive: true });
    // A call that reads no memory (empty input): replayable without a seed.
    const recorded = await cli(["call", bundle, "analyze_memory", "nope", "--grant", "all", "--record", join(bundle, "tests", "traces", "not-found.tstrace")]);
    expect(recorded.code, recorded.err).toBe(0);
    const passing = await cli(["test", bundle, "--no-build"]);
    expect(passing.out, passing.err).toMatch(/✓ trace not-found\.tstrace: analyze_memory/);
    expect(passing.code).toBe(0);
    await writeFile(join(bundle, "tests", "traces", "zz-broken.tstrace"), "{ not json");
    const failing = await cli(["test", resolve(bundle), "--no-build"]);
    expect(failing.code).toBe(1);
    expect(failing.out).toMatch(/✗ trace zz-broken\.tstrace\n {4}\[bad_input\]/);
  });
});
