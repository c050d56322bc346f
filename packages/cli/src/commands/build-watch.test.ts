// threadspace build --watch on the C template: builds, builds again on a change, reports a compile
// error as file:line:col relative to the working directory and keeps watching.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { buildWatch } from "./build-watch.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "threadspace-watch-"));
  expect(await run(["init-plugin", "notes", "--template", "c"], captureIo({ cwd: root }).io)).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

test("build --watch: rebuilds on change, prints errors as file:line:col and goes on", { timeout: 180_000 }, async () => {
  const captured = captureIo({ cwd: root });
  const results: boolean[] = [];
  const stop = new AbortController();
  const watching = buildWatch(captured.io, "notes", { signal: stop.signal, onBuild: (ok) => void results.push(ok), settleMs: 50 });
  await vi.waitFor(() => expect(results).toEqual([true]), { timeout: 60_000, interval: 50 });
  const firstHash = JSON.parse(await readFile(join(root, "notes/plugin.json"), "utf8")).hash as string;
  await vi.waitFor(() => expect(captured.stderr()).toMatch(/watching notes \(src\/, plugin.json\); Ctrl-C stops/), { timeout: 5_000 });

  const source = join(root, "notes/src/plugin.c");
  const original = await readFile(source, "utf8");
  await writeFile(source, original.replace('ts_output_str(text);\n  return 0;\n}', 'ts_output_str(text);\n  return broken;\n}'));
  await vi.waitFor(() => expect(results).toEqual([true, false]), { timeout: 60_000, interval: 50 });
  expect(captured.stderr()).toMatch(/✗ clang found problems:\nnotes\/src\/plugin.c:\d+:\d+: error: use of undeclared identifier 'broken'/);
  expect(captured.stderr()).not.toMatch(/-Wl,--no-entry/); // no compiler command line

  await writeFile(source, original.replace(': "Hello";', ': "Howdy";'));
  await vi.waitFor(() => expect(results).toEqual([true, false, true]), { timeout: 60_000, interval: 50 });
  const hash = JSON.parse(await readFile(join(root, "notes/plugin.json"), "utf8")).hash as string;
  expect(hash).not.toBe(firstHash);
  // Its own write of plugin.json's hash does not start another build.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(results).toEqual([true, false, true]);
  stop.abort();
  expect(await watching).toBe(0);
});
