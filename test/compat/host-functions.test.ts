/**
 * Host functions by any name (`engine.defineHostFunctions`): gated like Threadspace's own APIs
 * (permission checked live, hostCallsPerCall, the request cap), sync or async, typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallContext } from "@extism/extism";
import { createEngine, isThreadspaceError } from "@threadspace/core";
import { buildCompatPlugins, compatWasm } from "./support/sides.ts";

beforeAll(() => buildCompatPlugins(), 120_000);

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const manifest = (extra: Record<string, unknown> = {}) => ({ name: "c-kernel", version: "1.0.0", interface: "extism", permissions: ["custom:greet"], ...extra });

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isThreadspaceError(error)) throw new Error(`expected a ThreadspaceError, got ${String(error)}`);
  return error;
}

describe("engine.defineHostFunctions", () => {
  let engine: Awaited<ReturnType<typeof createEngine>>;
  afterAll(() => engine?.close());

  it("checks the permission on every call: a revoke acts on the next call", async () => {
    engine = await createEngine({ logger: quiet, grant: true });
    engine.defineHostFunctions({ permission: "custom:greet", functions: { hello_world: (context: CallContext, handle: bigint) => context.store(`hi ${context.read(handle)?.text()}`) } });
    await engine.install({ manifest: manifest(), wasm: compatWasm("c-kernel") });
    expect((await engine.call("c-kernel", "hello", "bo")).text()).toBe("hi bo");
    await engine.permissions.revoke("c-kernel", ["custom:greet"]);
    const error = await failure(engine.call("c-kernel", "hello", "bo"));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain('hello_world needs the "custom:greet" permission');
    await engine.permissions.grant("c-kernel", ["custom:greet"]);
    expect((await engine.call("c-kernel", "hello", "bo")).text()).toBe("hi bo");
  });

  it("caps what a function may read at maxRequestBytes", async () => {
    const capped = await createEngine({ logger: quiet, grant: true, maxRequestBytes: 8 });
    try {
      capped.defineHostFunctions({ permission: "custom:greet", functions: { hello_world: (context: CallContext, handle: bigint) => context.store(context.read(handle)?.text() ?? "") } });
      await capped.install({ manifest: manifest(), wasm: compatWasm("c-kernel") });
      expect((await capped.call("c-kernel", "hello", "short")).text()).toBe("short");
      expect((await failure(capped.call("c-kernel", "hello", "far too long for the cap"))).code).toBe("limit_exceeded");
    } finally {
      await capped.close();
    }
  });

  it("turns a throwing function into plugin_error naming it; a ThreadspaceError keeps its code", async () => {
    const throwing = await createEngine({ logger: quiet, grant: true });
    try {
      let mode = "plain";
      throwing.defineHostFunctions({
        permission: "custom:greet",
        functions: {
          hello_world: () => {
            if (mode === "plain") throw new Error("the database is down");
            throw Object.assign(new (class extends Error {})("x"), { name: "Other" });
          },
        },
      });
      await throwing.install({ manifest: manifest(), wasm: compatWasm("c-kernel") });
      const error = await failure(throwing.call("c-kernel", "hello", "x"));
      expect(error.code).toBe("plugin_error");
      expect(error.message).toContain("host function hello_world failed on the host: the database is down");
      mode = "other";
      expect((await failure(throwing.call("c-kernel", "hello", "x"))).code).toBe("plugin_error");
    } finally {
      await throwing.close();
    }
  });

  it("serves an async function (in a worker where this runtime has no JSPI: c-kernel also imports http_request)", async () => {
    const asyncEngine = await createEngine({ logger: quiet, grant: true });
    try {
      asyncEngine.defineHostFunctions({
        permission: "custom:greet",
        functions: {
          hello_world: async (context: CallContext, handle: bigint) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return context.store(`later, ${context.read(handle)?.text()}`);
          },
        },
      });
      await asyncEngine.install({ manifest: manifest(), wasm: compatWasm("c-kernel") });
      expect((await asyncEngine.call("c-kernel", "hello", "al")).text()).toBe("later, al");
      if (typeof (WebAssembly as { Suspending?: unknown }).Suspending !== "function") expect(asyncEngine.get("c-kernel")?.limitNotes.join("\n")).toContain("runs in a worker because it");
    } finally {
      await asyncEngine.close();
    }
  });

  it("refuses reserved namespaces, ts_* names, duplicates and non-functions with bad_input", async () => {
    const checked = await createEngine({ logger: quiet });
    try {
      const refused = (definition: Parameters<typeof checked.defineHostFunctions>[0]) => {
        try {
          checked.defineHostFunctions(definition);
        } catch (error) {
          return isThreadspaceError(error) ? error.code : "other";
        }
        return "accepted";
      };
      expect(refused({ namespace: "extism:host/env", permission: "custom:x", functions: { alloc: () => 0 } })).toBe("bad_input");
      expect(refused({ permission: "custom:x", functions: { ts_kv_get: () => 0 } })).toBe("bad_input");
      expect(refused({ permission: "not a permission" as never, functions: { f: () => 0 } })).toBe("bad_input");
      expect(refused({ permission: "custom:x", functions: { f: "nope" as never } })).toBe("bad_input");
      expect(refused({ permission: "custom:x", functions: { f: () => 0 } })).toBe("accepted");
      expect(refused({ permission: "custom:x", functions: { f: () => 0 } })).toBe("bad_input");
    } finally {
      await checked.close();
    }
  });
});
