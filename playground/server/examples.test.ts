import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listExamples, readExampleFile } from "./examples.ts";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));
const text = (body: string | Uint8Array): string => (typeof body === "string" ? body : new TextDecoder().decode(body));

describe("the playground's example files", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "threadspace-playground-examples-"));
    await mkdir(join(dir, "unbuilt", "src"), { recursive: true });
    await writeFile(join(dir, "unbuilt", "plugin.json"), JSON.stringify({ name: "unbuilt", version: "1.0.0", main: "out.wasm", permissions: ["kv"] }));
    await writeFile(join(dir, "unbuilt", "src", "index.ts"), "secret");
    await mkdir(join(dir, "no-manifest"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("lists every directory with a plugin.json, with what it serves", async () => {
    const entries = await listExamples(dir);
    expect(entries).toEqual([{ name: "unbuilt", version: "1.0.0", description: "", permissions: ["kv"], main: "out.wasm", built: false, seed: false, files: ["plugin.json"] }]);
    const real = await listExamples(examplesDir);
    expect(real.map((e) => e.name)).toContain("hello");
  });

  test("serves plugin.json; a missing wasm is a 404 that says how to build it", async () => {
    const manifest = await readExampleFile(dir, "unbuilt/plugin.json");
    expect(manifest.status).toBe(200);
    expect(JSON.parse(text(manifest.body))).toMatchObject({ name: "unbuilt" });
    const wasm = await readExampleFile(dir, "unbuilt/out.wasm");
    expect(wasm.status).toBe(404);
    expect(text(wasm.body)).toMatch(/npm run build:examples/);
  });

  test("serves nothing else: sources, other directories, traversal", async () => {
    for (const path of ["unbuilt/src/index.ts", "unbuilt/src", "../unbuilt/plugin.json", "unbuilt/../unbuilt/plugin.json", "no-manifest/plugin.json", "Unbuilt/plugin.json", "unbuilt", ""]) {
      expect((await readExampleFile(dir, path)).status, path).toBe(404);
    }
  });

  test.skipIf(!existsSync(join(examplesDir, "hello", "plugin.wasm")))("serves a built example's wasm as application/wasm and the catalogue as JSON", async () => {
    const wasm = await readExampleFile(examplesDir, "hello/plugin.wasm");
    expect(wasm.type).toBe("application/wasm");
    expect(WebAssembly.validate(new Uint8Array(wasm.body as Uint8Array))).toBe(true);
    const index = await readExampleFile(examplesDir, "index.json");
    expect(JSON.parse(text(index.body))).toContainEqual(expect.objectContaining({ name: "hello", built: true }));
  });
});
