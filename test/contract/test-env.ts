import type { InstallSource } from "@threadspace/core";

/** What the engine contract suite needs from the runtime it runs in. */
export interface TestEnv {
  readonly runtime: "node" | "browser" | "workerd" | "deno" | "bun";
  /**
   * A built WAT fixture (`test/fixtures/build/<name>.wasm`): its bytes, or in workerd, which
   * compiles no WebAssembly at run time, the module the worker imported (`CompiledWasm`).
   */
  fixtureWasm(name: string): Promise<Uint8Array | WebAssembly.Module>;
  /** The plugin.json object of a fixture (`test/fixtures/wat/<name>.json`). */
  fixtureManifest(name: string): Promise<Record<string, unknown>>;
  /** How this runtime names an example bundle: a directory in Node, a URL in the browser. */
  exampleSource(name: string): InstallSource;
  /** A built example's plugin.wasm: bytes, or in workerd its precompiled module. */
  exampleWasm(name: string): Promise<Uint8Array | WebAssembly.Module>;
  /**
   * Runs the suite's fixtures pooled: a fixture that asks for `limits.isolation` "worker", or
   * for no isolation, gets "pool" (one that asks for "inline" keeps it). Node and Chromium run
   * the isolation, limits and fuel suites this way (isolation-pool.test.ts).
   */
  readonly isolation?: "pool";
  /** Where `fixtureWasm` hands modules (workerd): a fixture's bytes all the same, for cases that never compile them. */
  fixtureBytes?(name: string): Promise<Uint8Array>;
}
