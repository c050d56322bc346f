/** Where the test browser lives: `THREADSPACE_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export const chromiumPath: string = process.env["THREADSPACE_CHROMIUM"] ?? "/usr/bin/chromium";

/** Flags for headless Chromium on a closed network, as root (see docs/testing.md). */
export const chromiumArgs: string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // Lets test/browser/setup.ts collect garbage between tests (wasm memories of closed engines).
  "--js-flags=--expose-gc",
];
