/**
 * A Worker whose Durable Objects each run a Threadspace engine on their own storage: one
 * `Notebook` object per notebook name, memories kept across requests, restarts and deploys.
 *
 *   POST /notes?notebook=work   (body: text)  -> the stored memory
 *   GET  /notes?notebook=work                 -> the notebook's memories, newest first
 *   GET  /notes/<id>/analysis?notebook=work   -> the memory-analyzer plugin's analysis of one
 */
import { createEngine, isThreadspaceError, type Engine } from "@threadspace/core";
import { durableObjectStorage, type DurableObjectStorageLike } from "@threadspace/storage/durable-object";
import manifest from "../../memory-analyzer/plugin.json";
import analyzer from "../plugins/memory-analyzer.wasm";

interface Env {
  readonly NOTEBOOK: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

export class Notebook {
  readonly #storage: DurableObjectStorageLike;
  #engine: Promise<Engine> | undefined; // one per object instance, started on its first request

  constructor(ctx: { readonly storage: DurableObjectStorageLike }) {
    this.#storage = ctx.storage;
  }

  async #start(): Promise<Engine> {
    // Memories, threads, kv, config and health come back from the object's storage. A plugin
    // installed from a module is not stored: install it again at every start.
    const engine = await createEngine({ storage: durableObjectStorage(this.#storage) });
    await engine.install({ manifest, wasm: analyzer }, { grant: ["memory:read"] });
    return engine;
  }

  async fetch(request: Request): Promise<Response> {
    this.#engine ??= this.#start().catch((error: unknown) => {
      this.#engine = undefined; // the next request tries again
      throw error;
    });
    const engine = await this.#engine;
    const [, notes, id, analysis] = new URL(request.url).pathname.split("/");
    try {
      if (notes !== "notes") return new Response("not found", { status: 404 });
      if (request.method === "POST" && id === undefined) {
        // durable: resolves once the memory is in the object's storage (or rejects, keeping nothing)
        return Response.json(await engine.memories.put({ content: await request.text(), tags: ["note"] }, { durable: true }));
      }
      if (id === undefined) return Response.json(engine.memories.query({ tag: "note" }));
      if (analysis === "analysis") return Response.json((await engine.call("memory-analyzer", "analyze_memory", id)).json());
      return new Response("not found", { status: 404 });
    } catch (error) {
      if (!isThreadspaceError(error)) throw error;
      return Response.json({ code: error.code, message: error.message }, { status: error.code === "quota_exceeded" ? 507 : 500 });
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const notebook = new URL(request.url).searchParams.get("notebook") ?? "default";
    return env.NOTEBOOK.get(env.NOTEBOOK.idFromName(notebook)).fetch(request);
  },
};
