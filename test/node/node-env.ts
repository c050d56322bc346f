import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { TestEnv } from "../contract/test-env.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The contract suite's view of a server runtime (Node, or Deno and Bun through node:fs): fixtures and examples read from disk. */
export function serverEnv<Runtime extends "node" | "deno" | "bun">(runtime: Runtime) {
  return {
    runtime,
    fixtureWasm: async (name: string) => new Uint8Array(await readFile(`${root}test/fixtures/build/${name}.wasm`)),
    fixtureManifest: async (name: string) => JSON.parse(await readFile(`${root}test/fixtures/wat/${name}.json`, "utf8")) as Record<string, unknown>,
    exampleSource: (name: string) => `${root}examples/${name}`,
    exampleWasm: async (name: string) => new Uint8Array(await readFile(`${root}examples/${name}/plugin.wasm`)),
  } satisfies TestEnv;
}

/** The contract suite's view of Node. */
export const nodeEnv = serverEnv("node");
