import { chromium, type Browser, type BrowserContext } from "playwright";
import { chromiumArgs, chromiumPath } from "./chromium.ts";

/**
 * Headless Chromium as every Node-side suite and bench starts it: the test browser
 * (`THREADSPACE_CHROMIUM`, else /usr/bin/chromium) with the project's flags (test/support/chromium.ts).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** {@link launchChromium} on a profile directory that outlives the browser (IndexedDB kept across a kill). */
export function launchChromiumProfile(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs });
}
