/**
 * The playground reinstalling a rebuilt plugin: its Vite dev server (HMR on) serves a temporary
 * folder of plugin folders (THREADSPACE_EXAMPLES_DIR); the test rewrites one plugin's wasm and
 * plugin.json on disk as `threadspace build --watch` would, and the open page reinstalls it with
 * `ifInstalled: "upgrade"` and says so, without a reload. A rebuild that is not WebAssembly, or
 * whose hash does not match, is shown with its code and the old build keeps running.
 * Skipped when there is no Chromium or the fixtures are not built (`npm test` builds them).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "@threadspace/bundle";
import type { Browser, Page } from "playwright";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumPath } from "../support/chromium.ts";
import { launchChromium } from "../support/launch-chromium.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string): string => join(root, "test/fixtures/build", `${name}.wasm`);
const fixturesBuilt = ["plain", "subscriber"].every((name) => existsSync(fixture(name)));

describe.skipIf(!existsSync(chromiumPath) || !fixturesBuilt)("playground: a rebuilt plugin is reinstalled in the open page", () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  let cacheDir = "";
  let examplesDir = "";
  const pluginDir = (): string => join(examplesDir, "swap");

  /** Writes the plugin's files as a build does: the wasm, then plugin.json with its hash (or `hash` when given). */
  const build = async (wasm: Uint8Array, version: string, hash?: string): Promise<void> => {
    await writeFile(join(pluginDir(), "plugin.wasm"), wasm);
    const manifest = { name: "swap", version, description: "A plugin rebuilt under the test", permissions: [], interface: "extism", main: "plugin.wasm", hash: hash ?? `sha256:${await sha256Hex(wasm)}` };
    await writeFile(join(pluginDir(), "plugin.json"), JSON.stringify(manifest, null, 2));
  };
  const clearStatus = (): Promise<void> => page.evaluate(() => document.getElementById("status")?.replaceChildren());
  /** The plugin's Overview text (its exports), read after the page refreshed. */
  const overview = async (): Promise<string> => {
    await page.evaluate(() => (location.hash = "#/events"));
    await page.waitForSelector("section.events-page");
    await page.evaluate(() => (location.hash = "#/plugin/swap/overview"));
    await page.waitForSelector(`section.plugin-page[data-plugin="swap"] a[role=tab][data-tab="overview"][aria-selected=true]`);
    return page.innerText("section.plugin-page");
  };

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "threadspace-rebuild-vite-"));
    examplesDir = await mkdtemp(join(tmpdir(), "threadspace-rebuild-examples-"));
    await mkdir(pluginDir());
    await build(new Uint8Array(await readFile(fixture("plain"))), "1.0.0");
    process.env["THREADSPACE_EXAMPLES_DIR"] = examplesDir;
    try {
      server = await createServer({ configFile: join(root, "playground/vite.config.ts"), cacheDir, logLevel: "warn", server: { port: 0, strictPort: false } });
    } finally {
      delete process.env["THREADSPACE_EXAMPLES_DIR"];
    }
    await server.listen();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.resolvedUrls?.local[0] ?? "");
    await page.waitForSelector("body[data-ready]", { timeout: 90_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of [cacheDir, examplesDir]) if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  test("a rebuild is reinstalled without a reload; a broken one is shown and the old build keeps running", { timeout: 120_000 }, async () => {
    expect(await page.getAttribute("body", "data-ready")).toBe("true");
    expect(await overview()).toMatch(/add_one/);
    // A mark on the page's window: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { rebuildMark: number }).rebuildMark = 1));

    await clearStatus();
    await build(new Uint8Array(await readFile(fixture("subscriber"))), "1.1.0");
    await page.waitForSelector("#status [data-rebuilt=swap]", { timeout: 60_000 });
    expect(await page.innerText("#status")).toMatch(/swap 1\.1\.0 rebuilt and reinstalled/);
    const upgraded = await overview();
    expect(upgraded).toMatch(/count/);
    expect(upgraded).not.toMatch(/add_one/);
    expect(await page.innerText("#plugin-nav li[data-plugin=swap]")).toMatch(/1\.1\.0/);

    // Not WebAssembly (its hash right): refused before the engine lets 1.1.0 go.
    await clearStatus();
    await build(new TextEncoder().encode("not wasm at all"), "1.2.0");
    await page.waitForSelector("#status .error[data-code=wasm_invalid]", { timeout: 60_000 });
    // A wasm that does not match plugin.json's hash: the engine refuses it, 1.1.0 stays.
    await clearStatus();
    await build(new Uint8Array(await readFile(fixture("plain"))), "1.3.0", `sha256:${"0".repeat(64)}`);
    await page.waitForSelector("#status .error[data-code=hash_mismatch]", { timeout: 60_000 });
    const kept = await overview();
    expect(kept).toMatch(/count/);
    expect(await page.innerText("#plugin-nav li[data-plugin=swap]")).toMatch(/1\.1\.0/);
    // The same wasm and version again (a save that changed nothing): said so, nothing reinstalled.
    await clearStatus();
    await build(new Uint8Array(await readFile(fixture("subscriber"))), "1.1.0");
    await page.waitForSelector("#status [data-rebuilt=swap]", { timeout: 60_000 });
    expect(await page.innerText("#status")).toMatch(/swap 1\.1\.0 rebuilt: the same wasm, nothing to reinstall/);
    expect(await page.evaluate(() => (window as unknown as { rebuildMark?: number }).rebuildMark)).toBe(1);
  });
});
