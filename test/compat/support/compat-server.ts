import { afterAll, beforeAll } from "vitest";
import { startHttpServer, type TestHttpServer } from "../../support/http-test-server.ts";
import { buildCompatPlugins } from "./sides.ts";

/**
 * For a compat suite: builds the compat plugins and starts the local HTTP server before its tests,
 * closes the server after them. The returned object reads the running server (use it inside tests).
 */
export function compatServer(): TestHttpServer {
  let started: TestHttpServer | undefined;
  beforeAll(async () => {
    buildCompatPlugins();
    started = await startHttpServer();
  }, 120_000);
  afterAll(() => started?.close());
  const running = (): TestHttpServer => {
    if (started === undefined) throw new Error("the compat HTTP server is not running: use it inside a test");
    return started;
  };
  return {
    get origin() {
      return running().origin;
    },
    get port() {
      return running().port;
    },
    get seen() {
      return running().seen;
    },
    close: () => running().close(),
  };
}
