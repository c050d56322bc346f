import { createEngine } from "@threadspace/core";
import { packBundle } from "@threadspace/bundle";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";
import { sha256 } from "../contract/fixture-source.ts";
import { nodeEnv } from "./node-env.ts";

describe("install a .tsp by path and URL in Node", () => {
  let dir = "";
  let server: Server;
  let base = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "threadspace-tsp-"));
    const [manifest, wasm] = await Promise.all([nodeEnv.fixtureManifest("ok"), nodeEnv.fixtureWasm("ok")]);
    const tsp = await packBundle({ manifest: new TextEncoder().encode(JSON.stringify({ ...manifest, hash: await sha256(wasm) })), wasm });
    await writeFile(join(dir, "ok.tsp"), tsp);
    await writeFile(join(dir, "broken.tsp"), tsp.subarray(0, tsp.byteLength - 30));
    server = createServer((request, response) => {
      readFile(join(dir, new URL(request.url ?? "/", "http://x").pathname.slice(1))).then(
        (body) => response.writeHead(200).end(body),
        () => response.writeHead(404).end("not found"),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = typeof address === "object" && address !== null ? `http://127.0.0.1:${address.port}` : "";
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  test("a path ending in .tsp, a file: URL and an http URL", async () => {
    for (const source of [join(dir, "ok.tsp"), pathToFileURL(join(dir, "ok.tsp")), new URL(`${base}/ok.tsp`), `${base}/ok.tsp`]) {
      const engine = await createEngine();
      const info = await engine.install(source);
      expect(info.origin).toBe(source instanceof URL ? source.href : source.startsWith("http") ? source : pathToFileURL(source).href);
      expect((await engine.call("ok", "echo", "from a file")).text()).toBe("from a file");
      await engine.close();
    }
  });

  test("a truncated file is bundle_invalid naming it; a missing one is source_invalid", async () => {
    const engine = await createEngine();
    expect((await expectCode(engine.install(join(dir, "broken.tsp")), "bundle_invalid")).message).toContain("broken.tsp");
    expect((await expectCode(engine.install(`${base}/missing.tsp`), "source_invalid")).message).toContain("HTTP 404");
    await expectCode(engine.install(join(dir, "missing.tsp")), "source_invalid");
    await engine.close();
  });
});
