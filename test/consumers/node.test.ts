/**
 * Plain Node (ESM, no loader) embedding the engine from the installed packages: a .tsp packed
 * by the installed CLI and a worker-isolated plugin, fileStorage, a second process that finds both
 * restored. Nothing may be printed on stderr (no ExperimentalWarning from node:wasi, in the engine's
 * thread or a plugin's worker, no other warning).
 */
import { expect, inject, test } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIRST_RUN, SECOND_RUN, prepareEmbedApp } from "./embed-app.ts";
import { readmeExample } from "./readme-examples.ts";
import { run } from "./run.ts";

test("node app.mjs: install a .tsp on fileStorage, call it, restore it in a second process, no warning", async () => {
  const project = inject("consumerProject");
  const dir = await prepareEmbedApp(project, "node");
  const first = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(first.stderr).toBe("");
  expect(JSON.parse(first.stdout)).toEqual(FIRST_RUN);
  const second = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(second.stderr).toBe("");
  expect(JSON.parse(second.stdout)).toEqual(SECOND_RUN);
});

test("the README's Node example runs as written: twice on the same folder (ifInstalled keep), nothing on stderr", async () => {
  const project = inject("consumerProject");
  const dir = await prepareEmbedApp(project, "node-readme");
  writeFileSync(join(dir, "app.mjs"), readmeExample("Node (20.19"));
  for (const attempt of ["first", "second"]) {
    const result = await run(project, dir, "node", ["app.mjs"]);
    expect(result.stderr, attempt).toBe("");
    expect(result.stdout, attempt).toBe("Hello, Node!\n");
  }
});
