/**
 * HTTP for plain Extism plugins in Chromium: inline (JSPI: @extism/extism's own HTTP context gets
 * the engine's fetch) and in a bridge worker (the worker's Extism asks the engine). The server is
 * the Vite server that serves this page; "127.0.0.1" is the refused host.
 */
import { describe, expect, it } from "vitest";
import type { CallContext } from "@extism/extism";
import { createEngine, isThreadspaceError } from "@threadspace/core";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const functions = { hello_world: (_context: CallContext, handle: bigint) => handle };

async function wasm(name: string): Promise<Uint8Array> {
  const response = await fetch(`/test/compat/build/${name}.wasm`);
  if (!response.ok) throw new Error(`build the compat plugins first (node scripts/build-compat.mjs): ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const request = (url: string) => JSON.stringify({ url, method: "GET", headers: { cookie: "a=b" } });

for (const isolation of ["inline", "worker"] as const) {
  describe(`HTTP in Chromium (${isolation})`, () => {
    it("serves an allowed host, refuses another, and sends through the embedder's hook", async () => {
      const seen: string[] = [];
      const engine = await createEngine({
        logger: quiet,
        grant: true,
        http: {
          fetch: (outgoing, context) => {
            outgoing.headers.set("x-injected", "by-the-embedder");
            seen.push(`${context.host} ${outgoing.headers.get("x-injected")} cookie=${outgoing.headers.get("cookie")}`);
            return fetch(outgoing);
          },
        },
      });
      try {
        engine.defineHostFunctions({ permission: "custom:compat", functions });
        const manifest = { name: "c-kernel", version: "1.0.0", interface: "extism", permissions: ["http", "custom:compat"], allowedHosts: [location.hostname], limits: { isolation } };
        await engine.install({ manifest, wasm: await fetch("/test/compat/build/c-kernel.wasm") });
        const file = `${location.origin}/test/compat/plugins/wat/linked-math.wat`;
        const expected = await (await fetch(file)).text();
        expect((await engine.call("c-kernel", "fetch", request(file))).text()).toBe(expected);
        expect((await engine.call("c-kernel", "fetch_status", request(file))).text()).toBe(`200 ${new TextEncoder().encode(expected).byteLength}`);
        expect(seen[0]).toBe(`${location.hostname} by-the-embedder cookie=null`);
        const refused = await engine.call("c-kernel", "fetch", request(`http://127.0.0.1:${location.port}/test/compat/plugins/wat/linked-math.wat`)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isThreadspaceError(refused, "permission_denied")).toBe(true);
        expect((refused as Error).message).toContain("127.0.0.1");
        expect(engine.get("c-kernel")?.imports).toContainEqual({ module: "extism:host/env", name: "http_request", kind: "function" });
      } finally {
        await engine.close();
      }
    });
  });
}

describe("a linked module and functions in another namespace, in Chromium", () => {
  it("runs linked-main with math, and namespaced with acme:tools", async () => {
    const engine = await createEngine({ logger: quiet, grant: true });
    try {
      engine.defineHostFunctions({ namespace: "acme:tools", permission: "custom:compat", functions: { double: (_context: CallContext, x: number) => x * 2 } });
      engine.defineHostFunctions({ permission: "custom:compat", functions: { sum2: async (_context: CallContext, a: bigint, b: bigint) => a + b } });
      await engine.install({ manifest: { name: "linked", version: "1.0.0", interface: "extism", modules: { math: { path: "math.wasm" } } }, wasm: await wasm("linked-main"), modules: { math: await wasm("linked-math") } });
      expect((await engine.call("linked", "add", "34")).text()).toBe("07");
      await engine.install({ manifest: { name: "namespaced", version: "1.0.0", interface: "extism", permissions: ["custom:compat"] }, wasm: await wasm("namespaced") });
      expect((await engine.call("namespaced", "run", "")).text()).toBe("*");
    } finally {
      await engine.close();
    }
  });
});
