import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { headlessChromium, isolationHeaders } from "../../test/support/browser-mode.ts";
import { sourceConditions } from "../../test/support/source-conditions.ts";

/** Runs bench/isolation/browser-run.ts in headless Chromium: `npm run bench:isolation:browser`. */
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL("../..", import.meta.url)),
  // Worker isolation needs a crossOriginIsolated page.
  server: { headers: isolationHeaders },
  test: {
    include: ["bench/isolation/browser-run.ts"],
    testTimeout: 600_000,
    browser: headlessChromium(),
  },
});
