/**
 * A Vite plugin that serves the built example plugins under `/examples/`: `index.json` (the
 * catalogue the page reads), and each example's `plugin.json`, its wasm (`main`) and its sample
 * data (`seed.json`). Nothing else from `examples/` (sources, tests) is served. `vite build`
 * copies the same files into the build. The dev server also tells the page when an example is
 * rebuilt (`examples-watch.ts`), and the page reinstalls it.
 */
import type { Plugin, Connect } from "vite";
import { listExamples, readExampleFile, type ExampleFile } from "./examples.ts";
import { watchExamples } from "./examples-watch.ts";

const PREFIX = "/examples/";

function send(res: Parameters<Connect.NextHandleFunction>[1], file: ExampleFile): void {
  res.statusCode = file.status;
  res.setHeader("Content-Type", file.type);
  res.setHeader("Cache-Control", "no-store");
  res.end(file.body);
}

function middleware(examplesDir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (!path.startsWith(PREFIX) || (req.method !== "GET" && req.method !== "HEAD")) return next();
    readExampleFile(examplesDir, path.slice(PREFIX.length)).then((file) => send(res, file), next);
  };
}

/** Serves (dev, preview) and emits (build) the example plugins found in `examplesDir`. */
export function examplesPlugin(examplesDir: string): Plugin {
  return {
    name: "threadspace-examples",
    async configureServer(server) {
      server.middlewares.use(middleware(examplesDir));
      await watchExamples(server, examplesDir);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(examplesDir));
    },
    async generateBundle() {
      const examples = await listExamples(examplesDir);
      const paths = ["index.json", ...examples.flatMap((e) => e.files.map((f) => `${e.name}/${f}`))];
      for (const path of paths) {
        const file = await readExampleFile(examplesDir, path);
        if (file.status !== 200) this.error(`[threadspace] examples/${path}: ${String(file.body)}`);
        this.emitFile({ type: "asset", fileName: `examples/${path}`, source: file.body });
      }
    },
  };
}
