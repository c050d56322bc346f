/**
 * The playground's Vite config: the page in `playground/`, the example plugins served under
 * `/examples/`, and the headers that make the page cross-origin isolated (SharedArrayBuffer,
 * worker isolation). `npm start` runs it from the repository root.
 */
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defaultServerConditions, defineConfig } from "vite";
import { examplesPlugin } from "./server/examples-plugin.ts";

/** Headers that make pages `crossOriginIsolated` (SharedArrayBuffer, plugin workers). */
export const isolationHeaders = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

const root = fileURLToPath(new URL(".", import.meta.url));
/** The plugin folders served under `/examples/`: the repository's examples, or THREADSPACE_EXAMPLES_DIR (a folder of plugin folders). */
const examplesDir = process.env["THREADSPACE_EXAMPLES_DIR"] ?? fileURLToPath(new URL("../examples/", import.meta.url));

export default defineConfig({
  root,
  clearScreen: false,
  plugins: [examplesPlugin(examplesDir)],
  // The packages' `source` export condition: the playground runs the TypeScript sources, no build step.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  server: { host: "localhost", port: 5173, strictPort: false, headers: isolationHeaders },
  preview: { host: "localhost", port: 4173, strictPort: false, headers: isolationHeaders },
  // Pre-bundled up front so that the first visit does not reload the page halfway through.
  optimizeDeps: { include: ["idb", "@extism/extism"] },
  // The engine worker starts plugin workers of its own and splits its code: module workers.
  worker: { format: "es" },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // The page takes only CallResult, error classes and small helpers from the engine's packages
    // (the engine itself runs in the worker); without this, rollup keeps every module of their
    // root entries that might have side effects, @extism/extism and semver included (200 kB).
    rollupOptions: { treeshake: { moduleSideEffects: (id) => !/node_modules\/(@extism\/extism|semver)\/|packages\/(core|host|manifest|storage|bundle)\/src\//.test(id) } },
  },
});
