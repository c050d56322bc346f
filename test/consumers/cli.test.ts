/**
 * The plugin author's loop with the installed CLI (plain Node, no tsx in the project):
 * `threadspace init-plugin` → `build` → `test` → `pack`. The AssemblyScript build's duration is
 * printed (BENCHMARKS.md records it), never asserted.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, inject, test } from "vitest";
import { appDir } from "./consumer-project.ts";
import { run } from "./run.ts";

test("threadspace init-plugin → build → test → pack from the installed CLI", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "cli");
  expect(existsSync(join(project, "node_modules", "tsx")), "tsx must not come with @threadspace/cli").toBe(false);

  const init = await run(project, dir, "threadspace", ["init-plugin", "word_count"]);
  expect(init.code, init.stderr).toBe(0);
  const build = await run(project, dir, "threadspace", ["build", "word_count"]);
  expect(build.code, build.stderr).toBe(0);
  expect(build.stderr).not.toMatch(/warning/i);
  console.log(`consumer: threadspace build (AssemblyScript template) took ${Math.round(build.ms)} ms`);
  expect(existsSync(join(dir, "word_count", "plugin.wasm"))).toBe(true);

  const tested = await run(project, dir, "threadspace", ["test", "word_count"]);
  expect(tested.code, tested.stdout + tested.stderr).toBe(0);
  expect(tested.stderr).not.toMatch(/warning/i);

  const packed = await run(project, dir, "threadspace", ["pack", "word_count", "-o", "word_count.tsp"]);
  expect(packed.code, packed.stderr).toBe(0);
  expect(existsSync(join(dir, "word_count.tsp"))).toBe(true);
});
