import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { headlessChromium } from "../../test/support/browser-mode.ts";
import { sourceConditions } from "../../test/support/source-conditions.ts";

/** Runs bench/fuel/browser-run.ts in headless Chromium: `npm run bench:fuel:browser`. */
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["bench/fuel/browser-run.ts"],
    testTimeout: 900_000,
    browser: headlessChromium(),
  },
});
