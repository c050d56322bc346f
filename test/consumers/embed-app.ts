/**
 * The consumer suite's embedding app (plain ESM, no loader): installs a .tsp packed by the
 * installed CLI and a worker-isolated plugin on fileStorage, calls both, and prints one JSON line;
 * run again on the same store it finds both restored. Node, Deno and Bun run the same file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { appDir } from "./consumer-project.ts";
import { run } from "./run.ts";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));

export const EMBED_APP = `import { createEngine } from "@threadspace/core";
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

/** A new app folder with app.mjs, hello.tsp (packed by the installed CLI) and count-vowels/. */
export async function prepareEmbedApp(project: string, name: string): Promise<string> {
  const dir = appDir(project, name);
  for (const plugin of ["hello", "count-vowels"]) {
    mkdirSync(join(dir, plugin));
    for (const file of ["plugin.json", "plugin.wasm", "README.md"]) copyFileSync(join(examples, plugin, file), join(dir, plugin, file));
  }
  writeFileSync(join(dir, "app.mjs"), EMBED_APP);
  const hashed = await run(project, dir, "threadspace", ["hash", "hello/plugin.wasm", "--write", "hello"]);
  expect(hashed.code, hashed.stderr).toBe(0);
  const packed = await run(project, dir, "threadspace", ["pack", "hello", "-o", "hello.tsp"]);
  expect(packed.code, packed.stderr).toBe(0);
  return dir;
}

/** What app.mjs prints on its first run and on the run after. */
export const FIRST_RUN = { restored: false, out: "Hello, Node!", vowels: 4, signature: "unsigned" };
export const SECOND_RUN = { restored: true, out: "Hello, again!", vowels: 4, signature: "unsigned" };
