import type { InstallSource } from "@threadspace/core";

/** What the engine contract suite needs from the runtime it runs in. */
export interface TestEnv {
  readonly runtime: "node" | "browser";
  /** Bytes of a built WAT fixture (`test/fixtures/build/<name>.wasm`). */
  fixtureWasm(name: string): Promise<Uint8Array>;
  /** The plugin.json object of a fixture (`test/fixtures/wat/<name>.json`). */
  fixtureManifest(name: string): Promise<Record<string, unknown>>;
  /** How this runtime names an example bundle: a directory in Node, a URL in the browser. */
  exampleSource(name: string): InstallSource;
  /** Bytes of a built example's plugin.wasm. */
  exampleWasm(name: string): Promise<Uint8Array>;
}
