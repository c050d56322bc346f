import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A local HTTP server for HTTP tests (no external network): what each route does is in `routes`. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request seen: method, path, headers, body. */
  readonly seen: { method: string; path: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1. Routes: `/hello` (200 "hello from the server", a set-cookie
 * header), `/echo` (200, JSON of the method, headers and body it got), `/big?n=` (n bytes),
 * `/redirect?to=` (302 to `to`), `/slow?ms=` (answers after ms), `/status?code=`.
 */
export async function startHttpServer(): Promise<TestHttpServer> {
  const seen: TestHttpServer["seen"] = [];
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body });
      switch (url.pathname) {
        case "/hello":
          res.writeHead(200, { "content-type": "text/plain", "set-cookie": "session=secret", "x-served-by": "test" });
          res.end("hello from the server");
          return;
        case "/echo":
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
          return;
        case "/big": {
          const n = Number(url.searchParams.get("n") ?? "0");
          // Chunked (no content-length): the cap must hold while reading, not only on the header.
          res.writeHead(200, { "content-type": "application/octet-stream" });
          for (let sent = 0; sent < n; sent += 16384) res.write(Buffer.alloc(Math.min(16384, n - sent), 0x61));
          res.end();
          return;
        }
        case "/redirect":
          res.writeHead(302, { location: url.searchParams.get("to") ?? "/hello" });
          res.end();
          return;
        case "/slow": {
          const timer = setTimeout(() => {
            pending.delete(timer);
            res.writeHead(200);
            res.end("slow");
          }, Number(url.searchParams.get("ms") ?? "1000"));
          pending.add(timer);
          return;
        }
        case "/status":
          res.writeHead(Number(url.searchParams.get("code") ?? "200"));
          res.end(`status ${url.searchParams.get("code")}`);
          return;
        default:
          res.writeHead(404);
          res.end("not found");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
