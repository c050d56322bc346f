import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { headlessChromium, isolationHeaders } from "../../test/support/browser-mode.ts";
import { sourceConditions } from "../../test/support/source-conditions.ts";

/** Runs bench/storage/idb-run.ts in headless Chromium: `npm run bench:storage:browser`. */
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL("../..", import.meta.url)),
  server: { headers: isolationHeaders },
  optimizeDeps: { include: ["idb"] },
  test: {
    include: ["bench/storage/idb-run.ts"],
    testTimeout: 600_000,
    browser: headlessChromium(),
  },
});
