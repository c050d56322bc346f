/**
 * The worker of the Durable Object storage suite (test/edge/storage.test.ts), bundled by
 * build-worker.ts with `vitest` mapped to test/support/vitest-shim.ts. Two Durable Object classes:
 *
 * - `ContractObject` runs the storage driver contract on `durableObjectStorage(ctx.storage)`, the
 *   driver's own cases (durable-object.cases.ts) and the persistence contract
 *   (persistence.contract.ts) on engines over it, with the bundled plugins as modules:
 *   `GET /cases` lists the cases, `POST /run` `{ name }` runs one and replies with its outcome.
 *   Each case runs in an object of its own (named by the Node side), so it starts empty.
 * - `EngineObject` runs the edge worker's steps (edge-worker.ts) on a fresh engine over
 *   `durableObjectStorage(ctx.storage)`: what one request's engine stored, the next one's reads.
 *
 * The default fetch handler routes `http://<class>.test/<object name>/...` to the object.
 */
import { durableObjectStorage, type DurableObjectStorageLike } from "@threadspace/storage/durable-object";
import { persistenceContract } from "../contract/persistence.contract.ts";
import { storageDriverContract } from "../contract/storage-driver.contract.ts";
import { workerdEnv } from "./contract-worker.ts";
import { durableObjectCases } from "./durable-object.cases.ts";
import { runSteps, type BundledPlugin, type EdgeRequest } from "./edge-worker.ts";
import { caseNames, runCase } from "../support/vitest-shim.ts";

interface ObjectState {
  readonly storage: DurableObjectStorageLike & { deleteAll(): Promise<void> };
}

interface Namespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** The storage of the object running the current case (cases run one at a time). */
let current: ObjectState["storage"] | undefined;

function currentStorage(): ObjectState["storage"] {
  if (current === undefined) throw new Error("no Durable Object is running a case");
  return current;
}

storageDriverContract("durable-object", () => {
  const storage = currentStorage();
  return { open: () => durableObjectStorage(storage), persistent: true, destroy: () => storage.deleteAll() };
});

durableObjectCases(currentStorage);

export class ContractObject {
  readonly #state: ObjectState;

  constructor(state: ObjectState) {
    this.#state = state;
  }

  async fetch(request: Request): Promise<Response> {
    if (request.method === "GET") return Response.json(caseNames());
    const { name } = (await request.json()) as { name: string };
    current = this.#state.storage;
    try {
      return Response.json(await runCase(name));
    } finally {
      current = undefined;
    }
  }
}

/** The Durable Object classes over the plugins the worker was bundled with. */
export function storageWorker(plugins: Readonly<Record<string, BundledPlugin>>) {
  // Every "restart" is a new driver on the same object's storage.
  persistenceContract(workerdEnv({ fixtures: plugins, examples: {}, fixtureBytes: {} }), "durable-object", () => {
    const storage = currentStorage();
    return { open: () => durableObjectStorage(storage), destroy: () => storage.deleteAll() };
  });

  class EngineObject {
    readonly #state: ObjectState;

    constructor(state: ObjectState) {
      this.#state = state;
    }

    async fetch(request: Request): Promise<Response> {
      const body = (await request.json()) as EdgeRequest;
      return Response.json(await runSteps(plugins, body, durableObjectStorage(this.#state.storage)));
    }
  }

  const handler = {
    async fetch(request: Request, env: { CONTRACT: Namespace; ENGINE: Namespace }): Promise<Response> {
      const url = new URL(request.url);
      const namespace = url.hostname.startsWith("engine.") ? env.ENGINE : env.CONTRACT;
      const object = decodeURIComponent(url.pathname.split("/")[1] ?? "");
      return namespace.get(namespace.idFromName(object)).fetch(request);
    },
  };
  return { EngineObject, handler };
}
