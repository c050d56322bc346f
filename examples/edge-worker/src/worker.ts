/**
 * A Cloudflare Worker that runs the hello example plugin with the Threadspace engine.
 * `GET /?name=Edge` → `Hello, Edge!`; a failed call → JSON `{ code, message }` with status 500.
 *
 * workerd does not compile WebAssembly at run time: the .wasm is imported, and wrangler's
 * `CompiledWasm` rule (its default for `*.wasm`) hands the worker a compiled `WebAssembly.Module`.
 */
import { createEngine, isThreadspaceError, type Engine } from "@threadspace/core";
import manifest from "../../hello/plugin.json";
import hello from "../plugins/hello.wasm"; // written by the build command in wrangler.toml

// One engine per isolate, started on the first request: a short startup, and a failed start is tried again.
let engine: Promise<Engine> | undefined;

async function start(): Promise<Engine> {
  const started = await createEngine();
  await started.install({ manifest, wasm: hello });
  return started;
}

export default {
  async fetch(request: Request): Promise<Response> {
    engine ??= start().catch((error: unknown) => {
      engine = undefined; // the next request tries again
      throw error;
    });
    const name = new URL(request.url).searchParams.get("name") ?? "World";
    try {
      const out = await (await engine).call("hello", "greet", name);
      return new Response(out.text());
    } catch (error) {
      if (!isThreadspaceError(error)) throw error;
      return Response.json({ code: error.code, message: error.message }, { status: 500 });
    }
  },
};
