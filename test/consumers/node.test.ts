/**
 * Plain Node (ESM, no loader) embedding the engine from the installed packages: a .tsp packed
 * by the installed CLI, fileStorage, a second process that finds the plugin restored. Nothing
 * may be printed on stderr (no ExperimentalWarning from node:wasi, no other warning).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, inject, test } from "vitest";
import { appDir } from "./consumer-project.ts";
import { run } from "./run.ts";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));

const APP = `import { createEngine } from "@threadspace/core";
import { fileStorage } from "@threadspace/storage/file";

const [tsp, dir] = process.argv.slice(2);
const engine = await createEngine({ storage: fileStorage({ dir }) });
const restored = engine.get("hello") !== undefined;
if (!restored) await engine.install(tsp);
const out = await engine.call("hello", "greet", restored ? "again" : "Node");
console.log(JSON.stringify({ restored, out: out.text(), signature: engine.get("hello")?.signature?.state ?? null }));
await engine.close();
`;

test("node app.mjs: install a .tsp on fileStorage, call it, restore it in a second process, no warning", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "node");
  mkdirSync(join(dir, "hello"));
  for (const file of ["plugin.json", "plugin.wasm", "README.md"]) copyFileSync(join(examples, "hello", file), join(dir, "hello", file));
  writeFileSync(join(dir, "app.mjs"), APP);

  const hashed = await run(project, dir, "threadspace", ["hash", "hello/plugin.wasm", "--write", "hello"]);
  expect(hashed.code, hashed.stderr).toBe(0);
  const packed = await run(project, dir, "threadspace", ["pack", "hello", "-o", "hello.tsp"]);
  expect(packed.code, packed.stderr).toBe(0);

  const first = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(first.stderr).toBe("");
  expect(JSON.parse(first.stdout)).toEqual({ restored: false, out: "Hello, Node!", signature: "unsigned" });
  const second = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(second.stderr).toBe("");
  expect(JSON.parse(second.stdout)).toEqual({ restored: true, out: "Hello, again!", signature: "unsigned" });
});
