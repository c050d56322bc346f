import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { TestEnv } from "../contract/test-env.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The contract suite's view of Node: fixtures and examples read from disk. */
export const nodeEnv = {
  runtime: "node",
  fixtureWasm: async (name) => new Uint8Array(await readFile(`${root}test/fixtures/build/${name}.wasm`)),
  fixtureManifest: async (name) => JSON.parse(await readFile(`${root}test/fixtures/wat/${name}.json`, "utf8")) as Record<string, unknown>,
  exampleSource: (name) => `${root}examples/${name}`,
  exampleWasm: async (name) => new Uint8Array(await readFile(`${root}examples/${name}/plugin.wasm`)),
} satisfies TestEnv;
