/**
 * The playground's weight and first paint: builds it (`vite build`), serves the build with
 * `vite preview` (COOP/COEP), and opens it in headless Chromium 5 times, each in a fresh profile
 * (a first visit: the examples are installed) and then reloaded once (a return visit: restored
 * from IndexedDB). Prints the built files' sizes (raw and gzipped) and the medians of first
 * contentful paint and of the time until the page is ready (engine started in its worker).
 * `npm run bench:playground`; results in playground/README.md.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, preview } from "vite";
import { launchChromium } from "../../test/support/launch-chromium.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const configFile = join(root, "playground/vite.config.ts");
const RUNS = 5;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

await build({ configFile, logLevel: "warn" });
const assets = join(root, "playground/dist/assets");
console.log("| file | size | gzipped |\n|---|---|---|");
for (const name of (await readdir(assets)).filter((file) => file.endsWith(".js")).sort()) {
  const bytes = await readFile(join(assets, name));
  console.log(`| ${name.replace(/-[\w-]{8}\.js$/, ".js")} | ${kb((await stat(join(assets, name))).size)} | ${kb(gzipSync(bytes).byteLength)} |`);
}

const server = await preview({ configFile, logLevel: "warn", preview: { port: 0 } });
const url = server.resolvedUrls?.local[0] ?? "";
const browser = await launchChromium();
const first = { paint: [] as number[], ready: [] as number[] };
const again = { paint: [] as number[], ready: [] as number[] };
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    for (const into of [first, again]) {
      if (into === first) await page.goto(url);
      else await page.reload();
      await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
      const [paint, ready] = await page.evaluate(() => [performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN, performance.now()]);
      into.paint.push(paint);
      into.ready.push(ready);
    }
    await context.close();
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
console.log(`\n| visit | first contentful paint (median of ${RUNS}) | ready: engine started, plugins listed |\n|---|---|---|`);
console.log(`| first (installs ${"the examples"}) | ${median(first.paint).toFixed(0)} ms | ${median(first.ready).toFixed(0)} ms |`);
console.log(`| return (restored from IndexedDB) | ${median(again.paint).toFixed(0)} ms | ${median(again.ready).toFixed(0)} ms |`);
