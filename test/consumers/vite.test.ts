/**
 * A Vite app using the installed packages, loaded in headless Chromium. A production build (vite
 * build), served with COOP/COEP (vite preview): the page installs hello inline and count-vowels
 * worker-isolated, on IndexedDB, and calls both; after a reload both come back from IndexedDB.
 * The dev server (vite, COOP/COEP): the README's Vite example and its Web Worker example
 * (@threadspace/worker) as written, and a worker-isolated plugin inside the engine's worker.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright";
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import { afterAll, expect, inject, test } from "vitest";
import { launchChromium } from "../support/launch-chromium.ts";
import { appDir } from "./consumer-project.ts";
import { readmeExample } from "./readme-examples.ts";

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
let devServer: ViteDevServer | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await devServer?.close();
});

const launch = async (): Promise<Browser> => (browser ??= await launchChromium());

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

  const page = await (await launch()).newPage();
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

/** A worker-isolated plugin inside the engine's own Web Worker (a worker the worker starts), next to the README's examples. */
const NESTED = `import { connectEngine } from "@threadspace/worker";

const engine = await connectEngine(new Worker(new URL("./engine-worker.js", import.meta.url), { type: "module" }));
const manifest = await (await fetch("/plugins/count-vowels/plugin.json")).json();
const wasm = new Uint8Array(await (await fetch("/plugins/count-vowels/plugin.wasm")).arrayBuffer());
await engine.install({ manifest: { ...manifest, limits: { isolation: "worker" } }, wasm });
const count = (await engine.call("count-vowels", "count_vowels", "Nested")).json().count;
const isolation = (await engine.debugInfo("count-vowels")).isolation.mode;
console.log(JSON.stringify({ nested: { count, isolation } }));
`;

test("vite dev server (COOP/COEP) in Chromium: the README's Vite and Web Worker examples as written, a worker plugin inside the engine's worker", async () => {
  const project = inject("consumerProject");
  const dir = appDir(project, "vite-dev");
  for (const plugin of ["hello", "count-vowels"]) {
    mkdirSync(join(dir, "public", "plugins", plugin), { recursive: true });
    for (const file of ["plugin.json", "plugin.wasm"]) copyFileSync(join(examples, plugin, file), join(dir, "public", "plugins", plugin, file));
  }
  writeFileSync(join(dir, "vite.config.js"), readmeExample("A Vite app", 0));
  writeFileSync(join(dir, "main.js"), readmeExample("A Vite app", 1));
  writeFileSync(join(dir, "engine-worker.js"), readmeExample("The whole engine in a Web Worker", 0));
  writeFileSync(join(dir, "worker-page.js"), readmeExample("The whole engine in a Web Worker", 1));
  writeFileSync(join(dir, "nested.js"), NESTED);
  const scripts = ["main.js", "worker-page.js", "nested.js"].map((file) => `<script type="module" src="/${file}"></script>`).join("");
  writeFileSync(join(dir, "index.html"), `<!doctype html><html><head><link rel="icon" href="data:,"></head><body>${scripts}</body></html>\n`);

  // The README's vite.config.js: COOP/COEP, and the engine left out of the dev server's pre-bundling.
  devServer = await createServer({ root: dir, configFile: join(dir, "vite.config.js"), logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
  await devServer.listen();
  const url = devServer.resolvedUrls?.local[0];
  if (url === undefined) throw new Error("the vite dev server has no URL");

  const page = await (await launch()).newPage();
  const errors: string[] = [];
  const logged: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => (message.type() === "error" ? errors : logged).push(message.text()));
  await page.goto(url);
  await page.waitForFunction(() => document.body.textContent === "Hello, Vite!", undefined, { timeout: 90_000 });
  await expect.poll(() => logged, { timeout: 60_000, interval: 200 }).toEqual(expect.arrayContaining(["Hello, Worker!", JSON.stringify({ nested: { count: 2, isolation: "worker" } })]));
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(errors).toEqual([]);
});
