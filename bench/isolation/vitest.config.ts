import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";
import { chromiumArgs, chromiumPath } from "../../test/support/chromium.ts";

/** Runs bench/isolation/browser-run.ts in headless Chromium: `npm run bench:isolation:browser`. */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  // Worker isolation needs a crossOriginIsolated page.
  server: { headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } },
  test: {
    include: ["bench/isolation/browser-run.ts"],
    testTimeout: 600_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
      instances: [{ browser: "chromium" }],
    },
  },
});
