/**
 * The worker of test/edge/contract.test.ts: the engine contract suite
 * (test/contract/engine.contract.ts) collected inside workerd, with `vitest` mapped to
 * test/support/vitest-shim.ts. Fixtures and examples arrive as precompiled modules (`CompiledWasm`) in
 * the module map that build-worker.ts generates. `GET /` lists the cases, `POST /` `{ name }`
 * runs one and replies with its outcome.
 */
import { engineContract } from "../contract/engine.contract.ts";
import type { TestEnv } from "../contract/test-env.ts";
import type { BundledPlugin } from "./edge-worker.ts";
import { caseNames, runCase } from "../support/vitest-shim.ts";

/** The fixtures (test/fixtures/build) and examples the worker was bundled with. */
export interface ContractModules {
  readonly fixtures: Readonly<Record<string, BundledPlugin>>;
  readonly examples: Readonly<Record<string, BundledPlugin>>;
  /** The fixtures' bytes, for what never compiles them (a .tsp refused before compiling). */
  readonly fixtureBytes: Readonly<Record<string, Uint8Array>>;
}

function found(plugins: Readonly<Record<string, BundledPlugin>>, name: string): BundledPlugin {
  const plugin = plugins[name];
  if (plugin === undefined) throw new Error(`no module "${name}" in the worker's module map (is it built?)`);
  return plugin;
}

/** The contract suite's view of workerd: modules, not bytes; examples only by module. */
export function workerdEnv({ fixtures, examples, fixtureBytes }: ContractModules): TestEnv {
  return {
    runtime: "workerd",
    fixtureWasm: async (name) => found(fixtures, name).module,
    fixtureManifest: async (name) => structuredClone(found(fixtures, name).manifest),
    // Served by contract.test.ts (Miniflare's outboundService); their bytes are not compiled here.
    exampleSource: (name) => `http://files.test/examples/${name}/plugin.json`,
    exampleWasm: async (name) => found(examples, name).module,
    fixtureBytes: async (name) => {
      const bytes = fixtureBytes[name];
      if (bytes === undefined) throw new Error(`no bytes of "${name}" in the worker's module map`);
      return bytes;
    },
  };
}

/** Collects the contract's cases over these modules; the worker's fetch handler runs them. */
export function contractWorker(modules: ContractModules): { fetch(request: Request): Promise<Response> } {
  engineContract(workerdEnv(modules));
  return {
    async fetch(request) {
      if (request.method === "GET") return Response.json(caseNames());
      const { name } = (await request.json()) as { name: string };
      return Response.json(await runCase(name));
    },
  };
}
