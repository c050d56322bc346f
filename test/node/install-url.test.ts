import { createEngine } from "@threadspace/core";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectCode } from "../contract/expect-error.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("install from URLs in Node", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
      if (path.startsWith("/huge")) {
        response.writeHead(200, { "content-length": String(200 * 1024) });
        response.end(Buffer.alloc(200 * 1024, 32));
        return;
      }
      readFile(`${root}examples${path}`).then(
        (body) => response.writeHead(200).end(body),
        () => response.writeHead(404).end("not found"),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = typeof address === "object" && address !== null ? `http://127.0.0.1:${address.port}` : "";
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("installs from an http URL of plugin.json, fetching main relative to it", async () => {
    const engine = await createEngine();
    const info = await engine.install(new URL(`${base}/hello/plugin.json`));
    expect(info.origin).toBe(`${base}/hello/plugin.json`);
    expect((await engine.call("hello", "greet", "HTTP")).text()).toBe("Hello, HTTP!");
    await engine.close();
  });

  test("installs from a file: URL and from a plugin.json path", async () => {
    const engine = await createEngine();
    await engine.install(pathToFileURL(`${root}examples/count-vowels/plugin.json`));
    await engine.install(`${root}examples/c-hello/plugin.json`);
    expect(engine.list().map((p) => p.name)).toEqual(["count-vowels", "c-hello"]);
    await engine.close();
  });

  test("a 404 and an oversize plugin.json are source_invalid, naming the URL", async () => {
    const engine = await createEngine();
    const missing = await expectCode(engine.install(`${base}/nope/plugin.json`), "source_invalid");
    expect(missing.message).toContain("404");
    const huge = await expectCode(engine.install(`${base}/huge/plugin.json`), "source_invalid");
    expect(huge.message).toContain("65536");
    expect(engine.list()).toEqual([]);
    await engine.close();
  });
});
