import type { TestEnv } from "../contract/test-env.ts";

async function fetchBytes(path: string): Promise<Uint8Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The contract suite's view of Chromium: fixtures and examples fetched from the Vite server. */
export const browserEnv: TestEnv = {
  runtime: "browser",
  fixtureWasm: (name) => fetchBytes(`/test/fixtures/build/${name}.wasm`),
  fixtureManifest: async (name) => JSON.parse(new TextDecoder().decode(await fetchBytes(`/test/fixtures/wat/${name}.json`))) as Record<string, unknown>,
  exampleSource: (name) => `/examples/${name}/plugin.json`,
  exampleWasm: (name) => fetchBytes(`/examples/${name}/plugin.wasm`),
};
