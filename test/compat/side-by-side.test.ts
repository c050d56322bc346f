/**
 * Plain Extism plugins the project builds itself (C by hand, AssemblyScript with @extism/as-pdk,
 * WAT), run on raw @extism/extism and on Threadspace side by side: every case raw Extism passes,
 * Threadspace passes the same way (docs/compat.md lists the deliberate differences, tested in
 * http.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { CallContext } from "@extism/extism";
import { isThreadspaceError } from "@threadspace/core";
import { compatServer } from "./support/compat-server.ts";
import { rawSide, threadspaceSide, type Outcome, type PluginSetup, type Side } from "./support/sides.ts";

const server = compatServer();

const helloWorld = { "extism:host/user": { hello_world: (context: CallContext, handle: bigint) => context.store(`hello, ${context.read(handle)?.text() ?? "?"}`) } };

/** Runs `steps` on both sides and expects the same outcomes (same text, or both failing). */
async function sideBySide(setup: PluginSetup, steps: readonly [exportName: string, input: string][], check?: (raw: Side, threadspace: Side) => void): Promise<Outcome[]> {
  const raw = await rawSide(setup);
  const threadspace = await threadspaceSide(setup);
  try {
    const outcomes: Outcome[] = [];
    for (const [exportName, input] of steps) {
      const expected = await raw.call(exportName, input);
      const got = await threadspace.call(exportName, input);
      if (expected.ok) expect(got, `${setup.main} ${exportName}(${input})`).toEqual(expected);
      else expect(got.ok, `${setup.main} ${exportName}(${input}) fails on both`).toBe(false);
      outcomes.push(got);
    }
    check?.(raw, threadspace);
    return outcomes;
  } finally {
    await raw.close();
    await threadspace.close();
  }
}

const request = (url: string) => JSON.stringify({ url, method: "GET", headers: { "x-from": "plugin" } });

for (const main of ["c-kernel", "as-kernel"]) {
  describe(`${main}: a plain Extism plugin (${main === "c-kernel" ? "C, kernel imports by hand" : "AssemblyScript, @extism/as-pdk"})`, () => {
    it("reads its config", async () => {
      const [greeted] = await sideBySide({ main, config: { greeting: "hi" }, functions: helloWorld }, [["greet", "world"]]);
      expect(greeted).toEqual({ ok: true, text: "hi, world" });
    });

    it("keeps vars across calls", async () => {
      const outcomes = await sideBySide({ main, functions: helloWorld }, [["count", ""], ["count", ""], ["count", ""]]);
      expect(outcomes.map((o) => (o.ok ? o.text : "failed"))).toEqual(["1", "2", "3"]);
    });

    it("logs through the kernel", async () => {
      await sideBySide({ main, functions: helloWorld }, [["log_input", "a note from the plugin"]], (raw, threadspace) => {
        expect(raw.logs()).toContain("a note from the plugin");
        expect(threadspace.logs()).toContain("a note from the plugin");
      });
    });

    it("calls a host function the embedder defines in extism:host/user", async () => {
      const [answer] = await sideBySide({ main, functions: helloWorld }, [["hello", "ada"]]);
      expect(answer).toEqual({ ok: true, text: "hello, ada" });
    });

    it("makes an HTTP request to an allowed host", async () => {
      const [answer] = await sideBySide({ main, functions: helloWorld, allowedHosts: ["127.0.0.1"] }, [["fetch_status", request(`${server.origin}/hello`)]]);
      expect(answer).toEqual({ ok: true, text: "200 21" });
    });

    it("is refused a host not in its allowedHosts", async () => {
      const [answer] = await sideBySide({ main, functions: helloWorld, allowedHosts: ["127.0.0.1"] }, [["fetch_status", request(`http://localhost:${server.port}/hello`)]]);
      expect(answer?.ok === false && isThreadspaceError(answer.error, "permission_denied")).toBe(true);
    });
  });
}

describe("c-kernel only", () => {
  it("fails a call that sets an error, on both", async () => {
    const [failed] = await sideBySide({ main: "c-kernel", functions: helloWorld }, [["fail", ""]]);
    expect(failed?.ok === false && isThreadspaceError(failed.error, "plugin_error")).toBe(true);
  });

  it("reads the response body of an allowed host", async () => {
    const [body] = await sideBySide({ main: "c-kernel", functions: helloWorld, allowedHosts: ["127.0.0.1"] }, [["fetch", request(`${server.origin}/hello`)]]);
    expect(body).toEqual({ ok: true, text: "hello from the server" });
  });
});

describe("linked modules", () => {
  it("links a side module the main module imports from, by name", async () => {
    const outcomes = await sideBySide({ main: "linked-main", modules: { math: "linked-math" } }, [["add", "34"], ["add", "99"]]);
    expect(outcomes).toEqual([{ ok: true, text: "07" }, { ok: true, text: "18" }]);
  });
});

describe("WASI", () => {
  it("runs a WASI reactor that writes to stdout", async () => {
    const [answer] = await sideBySide({ main: "wasi-hello", wasi: true }, [["hello", ""]]);
    expect(answer).toEqual({ ok: true, text: "ok" });
  });
});

describe("host functions in other namespaces, with several arguments", () => {
  it("serves acme:tools double (i32) and extism:host/user sum2 (i64, i64)", async () => {
    const functions = {
      "acme:tools": { double: (_context: CallContext, x: number) => x * 2 },
      "extism:host/user": { sum2: (_context: CallContext, a: bigint, b: bigint) => a + b },
    };
    const [answer] = await sideBySide({ main: "namespaced", functions }, [["run", ""]]);
    expect(answer).toEqual({ ok: true, text: "*" }); // 40 + 2
  });
});

describe("an import nobody defines", () => {
  it("fails on raw Extism at createPlugin, and on Threadspace at install with wasm_invalid naming it", async () => {
    await expect(rawSide({ main: "c-kernel" })).rejects.toThrow(/hello_world/);
    const error = await threadspaceSide({ main: "c-kernel" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isThreadspaceError(error, "wasm_invalid")).toBe(true);
    expect((error as Error).message).toContain('"extism:host/user" "hello_world"');
  });
});
