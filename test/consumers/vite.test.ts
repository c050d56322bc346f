/**
 * A Vite app using the installed packages: a production build (vite build), served with COOP/COEP
 * (vite preview), loaded in headless Chromium. The page installs hello inline and count-vowels
 * worker-isolated, on IndexedDB, and calls both; after a reload both come back from IndexedDB.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, expect, inject, test } from "vitest";
import { chromiumArgs, chromiumPath } from "../support/chromium.ts";
import { appDir } from "./consumer-project.ts";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const isolationHeaders = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

const MAIN = `import { createEngine } from "@threadspace/core";
import { indexedDbStorage } from "@threadspace/storage";

async function main() {
  const engine = await createEngine({ storage: indexedDbStorage({ name: "consumer-app" }) });
  const restored = engine.get("hello") !== undefined;
  if (!restored) {
    await engine.install("/hello/");
    const manifest = await (await fetch("/count-vowels/plugin.json")).json();
    const wasm = new Uint8Array(await (await fetch("/count-vowels/plugin.wasm")).arrayBuffer());
    await engine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm });
  }
  const inline = (await engine.call("hello", "greet", "Vite")).text();
  const worker = (await engine.call("count-vowels", "count_vowels", "Worker")).json().count;
  return { restored, inline, worker, isolated: crossOriginIsolated };
}

main().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: String(error && error.stack || error), code: error && error.code }),
);
`;

let server: PreviewServer | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test("vite build + preview (COOP/COEP) in Chromium: inline and worker plugins on IndexedDB, restored after a reload", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "vite");
  for (const plugin of ["hello", "count-vowels"]) {
    mkdirSync(join(dir, "public", plugin), { recursive: true });
    for (const file of ["plugin.json", "plugin.wasm"]) copyFileSync(join(examples, plugin, file), join(dir, "public", plugin, file));
  }
  writeFileSync(join(dir, "index.html"), `<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n`);
  writeFileSync(join(dir, "main.js"), MAIN);

  await build({ root: dir, configFile: false, logLevel: "error", build: { target: "es2022" } });
  server = await preview({ root: dir, configFile: false, logLevel: "error", preview: { host: "127.0.0.1", port: 0, headers: isolationHeaders } });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error("vite preview has no URL");

  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const result = async (): Promise<unknown> => {
    await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
    return page.evaluate(() => (window as { __result?: unknown }).__result);
  };
  await page.goto(url);
  expect(await result()).toEqual({ restored: false, inline: "Hello, Vite!", worker: 2, isolated: true });
  await page.reload();
  expect(await result()).toEqual({ restored: true, inline: "Hello, Vite!", worker: 2, isolated: true });
  expect(errors).toEqual([]);
});
