/**
 * HTTP for plain Extism plugins (Extism's http_request) on Threadspace: allowed host, refused
 * host, the embedder's outbound hook injecting a header, a response over the cap, a redirect to
 * a refused host, a timeout; and the deliberate differences from raw @extism/extism
 * (docs/compat.md), each shown on both.
 */
import { describe, expect, it } from "vitest";
import type { CallContext } from "@extism/extism";
import { isThreadspaceError, type EngineHttpOptions } from "@threadspace/core";
import { compatServer } from "./support/compat-server.ts";
import { rawSide, threadspaceSide, type Outcome } from "./support/sides.ts";

const server = compatServer();

const functions = { "extism:host/user": { hello_world: (context: CallContext, handle: bigint) => handle } };
const request = (url: string, headers: Record<string, string> = {}) => JSON.stringify({ url, method: "GET", headers });

async function onThreadspace(http: EngineHttpOptions, run: (call: (exportName: string, input: string) => Promise<Outcome>, logs: () => string[]) => Promise<void>, allowedHosts = ["127.0.0.1"]): Promise<void> {
  const side = await threadspaceSide({ main: "c-kernel", functions, allowedHosts }, { http });
  try {
    await run(side.call, () => side.engine.logs(side.name).map((e) => e.message));
  } finally {
    await side.close();
  }
}

function failure(outcome: Outcome): { code: string; message: string } {
  if (outcome.ok || !isThreadspaceError(outcome.error)) throw new Error(`expected a typed failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

describe("HTTP for plugins", () => {
  it("serves an allowed host: status and body", async () => {
    await onThreadspace({}, async (call) => {
      expect(await call("fetch", request(`${server.origin}/hello`))).toEqual({ ok: true, text: "hello from the server" });
      expect(await call("fetch_status", request(`${server.origin}/status?code=404`))).toEqual({ ok: true, text: "404 10" });
    });
  });

  it("refuses a host outside allowedHosts: permission_denied naming the host and the rule, also in the plugin's log", async () => {
    await onThreadspace({}, async (call, logs) => {
      const error = failure(await call("fetch", request(`http://localhost:${server.port}/hello`)));
      expect(error.code).toBe("permission_denied");
      expect(error.message).toContain("localhost");
      expect(error.message).toContain('allowedHosts is ["127.0.0.1"]');
      expect(logs().some((line) => line.includes("localhost"))).toBe(true);
    });
  });

  it("refuses every request without the http permission, and where the embedder's grant narrows the hosts", async () => {
    await onThreadspace({ allowedHosts: ["api.example.com"] }, async (call) => {
      const error = failure(await call("fetch", request(`${server.origin}/hello`)));
      expect(error.code).toBe("permission_denied");
      expect(error.message).toContain("embedder granted");
    });
    const side = await threadspaceSide({ main: "c-kernel", functions, allowedHosts: ["127.0.0.1"] });
    try {
      await side.engine.permissions.revoke(side.name, ["http"]);
      expect(failure(await side.call("fetch", request(`${server.origin}/hello`))).code).toBe("permission_denied");
    } finally {
      await side.close();
    }
  });

  it("sends no cookie or authorization from the plugin; the embedder's hook injects a header per host", async () => {
    const hosts: string[] = [];
    const http: EngineHttpOptions = {
      fetch: (outgoing, context) => {
        hosts.push(`${context.plugin} ${context.host} ${context.rule}`);
        outgoing.headers.set("authorization", "Bearer from-the-embedder");
        return fetch(outgoing);
      },
    };
    await onThreadspace(http, async (call) => {
      const answer = await call("fetch", request(`${server.origin}/echo`, { cookie: "stolen=1", authorization: "Bearer from-the-plugin", "x-plain": "yes" }));
      if (!answer.ok) throw answer.error;
      const echoed = JSON.parse(answer.text) as { headers: Record<string, string> };
      expect(echoed.headers["authorization"]).toBe("Bearer from-the-embedder");
      expect(echoed.headers["cookie"]).toBeUndefined();
      expect(echoed.headers["x-plain"]).toBe("yes");
      expect(hosts).toEqual(["compat-c-kernel 127.0.0.1 127.0.0.1"]);
    });
  });

  it("fails a response over maxHttpResponseBytes with http_failed (raw Extism hands the plugin an empty body)", async () => {
    await onThreadspace({ maxHttpResponseBytes: 1000 }, async (call) => {
      const error = failure(await call("fetch_status", request(`${server.origin}/big?n=100000`)));
      expect(error.code).toBe("http_failed");
      expect(error.message).toContain("larger than 1000 bytes");
      expect(await call("fetch_status", request(`${server.origin}/big?n=1000`))).toEqual({ ok: true, text: "200 1000" });
    });
    const raw = await rawSide({ main: "c-kernel", functions, allowedHosts: ["127.0.0.1"] }, { memory: { maxHttpResponseBytes: 1000 } });
    try {
      expect(await raw.call("fetch_status", request(`${server.origin}/big?n=100000`))).toEqual({ ok: true, text: "200 0" });
    } finally {
      await raw.close();
    }
  });

  it("refuses a redirect to a refused host before requesting it (raw Extism follows it)", async () => {
    const to = encodeURIComponent(`http://localhost:${server.port}/hello`);
    await onThreadspace({}, async (call) => {
      const before = server.seen.length;
      const error = failure(await call("fetch", request(`${server.origin}/redirect?to=${to}`)));
      expect(error.code).toBe("permission_denied");
      expect(error.message).toContain("a redirect from 127.0.0.1");
      expect(server.seen.slice(before).map((r) => r.path)).toEqual(["/redirect"]);
      // A redirect within the allowed hosts is followed.
      expect(await call("fetch", request(`${server.origin}/redirect?to=/hello`))).toEqual({ ok: true, text: "hello from the server" });
    });
    const raw = await rawSide({ main: "c-kernel", functions, allowedHosts: ["127.0.0.1"] });
    try {
      expect(await raw.call("fetch", request(`${server.origin}/redirect?to=${to}`))).toEqual({ ok: true, text: "hello from the server" });
    } finally {
      await raw.close();
    }
  });

  it("times out a request past http.timeoutMs with http_failed; the plugin keeps serving", async () => {
    await onThreadspace({ timeoutMs: 200 }, async (call) => {
      const error = failure(await call("fetch", request(`${server.origin}/slow?ms=5000`)));
      expect(error.code).toBe("http_failed");
      expect(error.message).toContain("did not answer within 200 ms");
      expect(await call("fetch", request(`${server.origin}/hello`))).toEqual({ ok: true, text: "hello from the server" });
    });
  });

  it("counts the wait against the call's deadline: timeout at limits.timeoutMs, and the plugin keeps serving", async () => {
    for (const isolation of ["worker", "inline"] as const) {
      const side = await threadspaceSide({ main: "c-kernel", functions, allowedHosts: ["127.0.0.1"] }, {}, { limits: { timeoutMs: 300, isolation } });
      try {
        const error = failure(await side.call("fetch", request(`${server.origin}/slow?ms=5000`)));
        expect(error.code, isolation).toBe("timeout");
        expect(await side.call("fetch", request(`${server.origin}/hello`))).toEqual({ ok: true, text: "hello from the server" });
      } finally {
        await side.close();
      }
    }
  });

  it("caps requests per call", async () => {
    await onThreadspace({ requestsPerCall: 0 }, async (call) => {
      expect(failure(await call("fetch", request(`${server.origin}/hello`))).code).toBe("limit_exceeded");
    });
  });

  it("lists the plugin's imports, and says why it runs in a worker here (no JSPI in Node 20)", async () => {
    const side = await threadspaceSide({ main: "c-kernel", functions, allowedHosts: ["127.0.0.1"] });
    try {
      const info = side.engine.get(side.name);
      expect(info?.imports).toContainEqual({ module: "extism:host/env", name: "http_request", kind: "function" });
      expect(info?.imports).toContainEqual({ module: "extism:host/user", name: "hello_world", kind: "function" });
      expect(info?.imports.some((i) => i.module === "threadspace:meter")).toBe(false);
      if (typeof (WebAssembly as { Suspending?: unknown }).Suspending !== "function") expect(info?.limitNotes.join("\n")).toContain("runs in a worker because it makes HTTP requests");
    } finally {
      await side.close();
    }
  });
});
