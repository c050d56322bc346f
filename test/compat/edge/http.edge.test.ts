/**
 * HTTP for a plain Extism plugin inside workerd (Miniflare): the plugin's requests leave workerd
 * through the engine's outbound hook and Miniflare's outbound service to a local server (no
 * external network): an allowed host, a refused one, the hook's header, no cookie from the plugin.
 */
import { Miniflare, fetch as miniflareFetch, type Request as MiniflareRequest } from "miniflare";
import { afterAll, beforeAll, expect, test } from "vitest";
import { bundleWorker } from "../../edge/build-worker.ts";
import { startHttpServer, type TestHttpServer } from "../../support/http-test-server.ts";
import { buildCompatPlugins } from "../support/sides.ts";
import type { HttpEdgeResult } from "./http-worker.ts";

let mf: Miniflare;
let server: TestHttpServer;

beforeAll(async () => {
  buildCompatPlugins();
  server = await startHttpServer();
  const modules = await bundleWorker({
    source: [`import { httpWorker } from "./test/compat/edge/http-worker.ts";`, `import module from "./test/compat/build/c-kernel.wasm";`, `export default httpWorker(module);`].join("\n"),
  });
  mf = new Miniflare({
    modules: modules as never,
    compatibilityDate: "2025-09-01",
    // The worker's outbound fetches, as workerd makes them, answered by Node's fetch (the local
    // server). Redirects go back to the worker (workerd's fetch follows them only when asked to;
    // the engine asks "manual" and checks each target itself).
    outboundService: (request: MiniflareRequest) => miniflareFetch(request, { redirect: "manual" }),
  });
  await mf.ready;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  await server?.close();
});

test("an allowed host is served through the hook, a refused one is permission_denied, no cookie leaves", async () => {
  const response = await mf.dispatchFetch("http://compat.test/", {
    method: "POST",
    body: JSON.stringify({ allowedHosts: ["127.0.0.1"], urls: [`${server.origin}/echo`, `http://localhost:${server.port}/hello`, `${server.origin}/redirect?to=${encodeURIComponent(`http://localhost:${server.port}/hello`)}`] }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the worker failed: ${text}`);
  const reply = JSON.parse(text) as { results: HttpEdgeResult[]; hooked: string[]; suspends: boolean };
  const [echo, refused, redirect] = reply.results;
  if (echo === undefined || !("ok" in echo)) throw new Error(`the allowed request failed: ${JSON.stringify(echo)}`);
  if (!echo.ok.startsWith("{")) throw new Error(`the allowed request answered: ${echo.ok.slice(0, 300)}`);
  const echoed = JSON.parse(echo.ok) as { headers: Record<string, string> };
  expect(echoed.headers["x-injected"]).toBe("by-the-edge-embedder");
  expect(echoed.headers["cookie"]).toBeUndefined();
  expect(refused).toMatchObject({ error: { code: "permission_denied" } });
  expect(redirect).toMatchObject({ error: { code: "permission_denied" } });
  expect(reply.hooked).toEqual(["127.0.0.1", "127.0.0.1"]);
  expect(reply.suspends).toBe(true);
});
