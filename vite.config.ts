import { defineConfig } from "vitest/config";
import { headlessChromium, isolationHeaders } from "./test/support/browser-mode.ts";
import { sourceConditions } from "./test/support/source-conditions.ts";

export default defineConfig({
  server: { headers: isolationHeaders },
  ...sourceConditions,
  // Pre-bundled up front so a cold cache does not reload the browser test page mid-run.
  optimizeDeps: { include: ["idb", "comlink", "fflate"] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["packages/*/src/**/*.test.ts", "test/node/**/*.test.ts", "test/compat/**/*.test.ts", "test/adversarial/*.test.ts", "playground/server/**/*.test.ts", "playground/src/**/*.test.ts"],
          // The adversarial suite's browser files run in the browser project.
          exclude: ["**/node_modules/**", "test/adversarial/**/*.browser.test.ts", "test/compat/browser/**", "test/compat/edge/**"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "examples",
          environment: "node",
          include: ["examples/*/tests/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "edge",
          environment: "node",
          include: ["test/edge/**/*.test.ts", "test/compat/edge/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts", "test/adversarial/browser/**/*.test.ts", "test/adversarial/**/*.browser.test.ts", "test/compat/browser/**/*.test.ts"],
          setupFiles: ["test/browser/setup.ts"],
          testTimeout: 20_000,
          // One file at a time: the files share the page's origin, and storage.test.ts clears
          // the origin's IndexedDB ("clear site data") under the others' open databases.
          fileParallelism: false,
          browser: headlessChromium(),
        },
      },
    ],
  },
});
