/**
 * Plain Node (ESM, no loader) embedding the engine from the installed packages: a .tsp packed
 * by the installed CLI and a worker-isolated plugin, fileStorage, a second process that finds both
 * restored. Nothing
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

import { readFileSync } from "node:fs";

const [tsp, dir] = process.argv.slice(2);
const engine = await createEngine({ storage: fileStorage({ dir }) });
const restored = engine.get("hello") !== undefined;
if (!restored) {
  await engine.install(tsp);
  // A worker-isolated plugin too: its worker thread must not print a warning either.
  const manifest = JSON.parse(readFileSync("count-vowels/plugin.json", "utf8"));
  await engine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm: new Uint8Array(readFileSync("count-vowels/plugin.wasm")) });
}
const out = await engine.call("hello", "greet", restored ? "again" : "Node");
const vowels = (await engine.call("count-vowels", "count_vowels", "Threadspace")).json().count;
console.log(JSON.stringify({ restored, out: out.text(), vowels, signature: engine.get("hello")?.signature?.state ?? null }));
await engine.close();
`;

test("node app.mjs: install a .tsp on fileStorage, call it, restore it in a second process, no warning", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "node");
  for (const plugin of ["hello", "count-vowels"]) {
    mkdirSync(join(dir, plugin));
    for (const file of ["plugin.json", "plugin.wasm", "README.md"]) copyFileSync(join(examples, plugin, file), join(dir, plugin, file));
  }
  writeFileSync(join(dir, "app.mjs"), APP);

  const hashed = await run(project, dir, "threadspace", ["hash", "hello/plugin.wasm", "--write", "hello"]);
  expect(hashed.code, hashed.stderr).toBe(0);
  const packed = await run(project, dir, "threadspace", ["pack", "hello", "-o", "hello.tsp"]);
  expect(packed.code, packed.stderr).toBe(0);

  const first = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(first.stderr).toBe("");
  expect(JSON.parse(first.stdout)).toEqual({ restored: false, out: "Hello, Node!", vowels: 4, signature: "unsigned" });
  const second = await run(project, dir, "node", ["app.mjs", "hello.tsp", "store"]);
  expect(second.stderr).toBe("");
  expect(JSON.parse(second.stdout)).toEqual({ restored: true, out: "Hello, again!", vowels: 4, signature: "unsigned" });
});
