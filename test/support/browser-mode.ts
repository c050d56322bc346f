import { playwright } from "@vitest/browser-playwright";
import { chromiumArgs, chromiumPath } from "./chromium.ts";

/** Headers that make pages `crossOriginIsolated` (SharedArrayBuffer: worker isolation). */
export const isolationHeaders = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Vitest browser mode on headless Chromium (`THREADSPACE_CHROMIUM` or /usr/bin/chromium), for test and bench configs. */
export function headlessChromium() {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
    instances: [{ browser: "chromium" as const }],
  };
}
