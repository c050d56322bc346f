/**
 * The worker the compat edge suite runs in workerd (bundled by http.edge.test.ts with c-kernel
 * as a precompiled module): each POST installs c-kernel on a fresh engine whose outbound hook
 * injects a header, and makes the requests it is told, replying with each outcome.
 */
import { createEngine, isThreadspaceError } from "@threadspace/core";
import type { CallContext } from "@extism/extism";

/** What the Node side asks: the allowed host and the URLs to fetch through the plugin. */
export interface HttpEdgeRequest {
  readonly allowedHosts: readonly string[];
  readonly urls: readonly string[];
}

/** One request's outcome: the response body, or the error's code and message. */
export type HttpEdgeResult = { readonly ok: string } | { readonly error: { readonly code: string; readonly message: string } };

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The fetch handler over c-kernel's module. */
export function httpWorker(module: WebAssembly.Module): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request) {
      const { allowedHosts, urls } = (await request.json()) as HttpEdgeRequest;
      const hooked: string[] = [];
      const engine = await createEngine({
        logger: quiet,
        grant: true,
        http: {
          fetch: (outgoing, context) => {
            hooked.push(context.host);
            outgoing.headers.set("x-injected", "by-the-edge-embedder");
            return fetch(outgoing);
          },
        },
      });
      const results: HttpEdgeResult[] = [];
      try {
        engine.defineHostFunctions({ permission: "custom:compat", functions: { hello_world: (_context: CallContext, handle: bigint) => handle } });
        await engine.install({ manifest: { name: "c-kernel", version: "1.0.0", interface: "extism", permissions: ["http", "custom:compat"], allowedHosts }, wasm: module });
        for (const url of urls) {
          try {
            results.push({ ok: (await engine.call("c-kernel", "fetch", JSON.stringify({ url, method: "GET", headers: { cookie: "from=plugin" } }))).text() });
          } catch (error) {
            results.push({ error: { code: isThreadspaceError(error) ? error.code : "not_threadspace", message: error instanceof Error ? error.message : String(error) } });
          }
        }
      } finally {
        await engine.close();
      }
      return Response.json({ results, hooked, suspends: typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function" });
    },
  };
}
