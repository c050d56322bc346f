import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isThreadspaceError } from "@threadspace/errors";
import { startHttpServer, type TestHttpServer } from "../../../../test/support/http-test-server.ts";
import { resolveHttpOptions, type EngineHttpOptions } from "./http-options.ts";
import { OutboundHttp } from "./outbound-http.ts";

let server: TestHttpServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

function client(options: EngineHttpOptions = {}, allowedHosts: string[] = ["127.0.0.1"], granted = true): OutboundHttp {
  return new OutboundHttp({ plugin: "p", allowedHosts, granted: () => granted }, resolveHttpOptions(options));
}
const get = (url: string, headers: Record<string, string> = {}) => ({ url, method: "GET", headers, body: null });
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isThreadspaceError(error)) throw new Error(`expected a ThreadspaceError, got ${String(error)}`);
  return error;
}

describe("OutboundHttp", () => {
  it("fetches from an allowed host; no set-cookie reaches the plugin", async () => {
    const answer = await client().request(get(`${server.origin}/hello`));
    expect(answer.status).toBe(200);
    expect(new TextDecoder().decode(answer.body)).toBe("hello from the server");
    expect(answer.headers["x-served-by"]).toBe("test");
    expect(answer.headers["set-cookie"]).toBeUndefined();
  });

  it("refuses a host not in allowedHosts with permission_denied naming host and rule", async () => {
    const error = await failure(client().request(get(`http://localhost:${server.port}/hello`)));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain("localhost");
    expect(error.message).toContain('["127.0.0.1"]');
  });

  it("refuses without the http permission, and where the embedder's grant narrows the hosts", async () => {
    expect((await failure(client({}, ["127.0.0.1"], false).request(get(`${server.origin}/hello`)))).code).toBe("permission_denied");
    const narrowed = await failure(client({ allowedHosts: ["api.example.com"] }, ["*"]).request(get(`${server.origin}/hello`)));
    expect(narrowed.code).toBe("permission_denied");
    expect(narrowed.message).toContain("embedder granted");
  });

  it("strips cookie and authorization; the hook sees them and may inject its own", async () => {
    let removed = "";
    const http = client({
      fetch: (request, context) => {
        removed = [...context.removedHeaders.keys()].join(",");
        request.headers.set("x-api-key", `key-for-${context.host}`);
        return fetch(request);
      },
    });
    const answer = await http.request(get(`${server.origin}/echo`, { cookie: "a=b", authorization: "Bearer stolen", "x-plain": "1" }));
    const echoed = JSON.parse(new TextDecoder().decode(answer.body)) as { headers: Record<string, string> };
    expect(echoed.headers["cookie"]).toBeUndefined();
    expect(echoed.headers["authorization"]).toBeUndefined();
    expect(echoed.headers["x-plain"]).toBe("1");
    expect(echoed.headers["x-api-key"]).toBe("key-for-127.0.0.1");
    expect(removed).toBe("authorization,cookie");
  });

  it("fails a response over the cap with http_failed, chunked or not", async () => {
    const error = await failure(client({ maxHttpResponseBytes: 1000 }).request(get(`${server.origin}/big?n=50000`)));
    expect(error.code).toBe("http_failed");
    expect(error.message).toContain("larger than 1000 bytes");
    expect((await client({ maxHttpResponseBytes: 1000 }).request(get(`${server.origin}/big?n=1000`))).body.byteLength).toBe(1000);
  });

  it("follows a redirect to an allowed host and refuses one to a refused host", async () => {
    const ok = await client().request(get(`${server.origin}/redirect?to=/hello`));
    expect(new TextDecoder().decode(ok.body)).toBe("hello from the server");
    const before = server.seen.length;
    const error = await failure(client().request(get(`${server.origin}/redirect?to=${encodeURIComponent(`http://localhost:${server.port}/hello`)}`)));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain("a redirect from 127.0.0.1");
    expect(server.seen.slice(before).map((r) => r.path)).toEqual(["/redirect"]);
  });

  it("times out a slow request with http_failed, and a call deadline with timeout", async () => {
    expect((await failure(client({ timeoutMs: 100 }).request(get(`${server.origin}/slow?ms=3000`)))).code).toBe("http_failed");
    expect((await failure(client().request(get(`${server.origin}/slow?ms=3000`), performance.now() + 100))).code).toBe("timeout");
  });

  it("caps requests per call and request bodies", async () => {
    const http = client({ requestsPerCall: 1, maxRequestBodyBytes: 4 });
    http.beginCall();
    await http.request(get(`${server.origin}/hello`));
    expect((await failure(http.request(get(`${server.origin}/hello`)))).code).toBe("limit_exceeded");
    http.beginCall();
    const body = await failure(http.request({ url: `${server.origin}/echo`, method: "POST", headers: {}, body: new Uint8Array(5) }));
    expect(body.code).toBe("limit_exceeded");
  });

  it("refuses other schemes and URLs carrying credentials", async () => {
    expect((await failure(client({}, ["*"]).request(get("file:///etc/passwd")))).code).toBe("permission_denied");
    expect((await failure(client().request(get(`http://u:p@127.0.0.1:${server.port}/hello`)))).code).toBe("permission_denied");
  });
});
