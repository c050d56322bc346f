/**
 * The playground end to end: its own Vite server (playground/vite.config.ts, started here with
 * `createServer`) and headless Chromium driven by Playwright, as a person would use it. Checks
 * that the examples are preinstalled, that a call shows its output, that failures show their
 * error code, logs, config, install from files, and that a reload keeps what was installed,
 * granted, configured and uninstalled (IndexedDB).
 * Skipped when there is no Chromium or the examples are not built (`npm test` builds them).
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigningKey, importSigningKey, packBundle, sha256Hex, unpackBundle, type SigningKey } from "@threadspace/bundle";
import { chromium, type Browser, type Page } from "playwright";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumArgs, chromiumPath } from "../support/chromium.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const built = existsSync(join(root, "examples/hello/plugin.wasm"));
/** The WAT fixtures (npm run build:fixtures) the .tsp, isolation and key-value checks install. */
const fixture = (name: string): string => join(root, "test/fixtures/build", `${name}.wasm`);
const fixturesBuilt = ["ok", "plain", "loop", "host-kv"].every((name) => existsSync(fixture(name)));
/** Every example directory with a plugin.json: the playground must preinstall each one. */
const exampleNames = async (): Promise<string[]> => {
  const names = await readdir(join(root, "examples"));
  return names.filter((name) => existsSync(join(root, "examples", name, "plugin.json"))).sort();
};

describe.skipIf(!existsSync(chromiumPath) || !built)("playground in Chromium", () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  let cacheDir = "";
  /** Files the tests write for the page to pick (fixture folders, .tsp files). */
  let filesDir = "";

  /** Waits for the page to finish starting and returns how it ended ("true" or "failed"). */
  const ready = async (): Promise<string> => {
    await page.waitForSelector("body[data-ready]", { timeout: 90_000 });
    return (await page.getAttribute("body", "data-ready")) ?? "";
  };
  const installed = (): Promise<string[]> => page.$$eval("article.plugin", (cards) => cards.map((card) => (card as HTMLElement).dataset["plugin"] ?? ""));
  /** Calls an export through the form and returns the output area once the call has finished. */
  const call = async (plugin: string, exportName: string, input: string, mode: "text" | "json"): Promise<{ text: string; code: string | null }> => {
    await page.selectOption("#call-plugin", plugin);
    await page.selectOption("#call-export", exportName);
    await page.check(`input[name=mode][value=${mode}]`);
    await page.fill("#call-input", input);
    await page.click("#call-button");
    await page.waitForSelector("#call-output pre.result, #call-output .error");
    return { text: await page.innerText("#call-output"), code: await page.$eval("#call-output", (out) => out.querySelector(".error")?.getAttribute("data-code") ?? null) };
  };
  /** Toggles a permission checkbox in a plugin's card and waits for the status line to confirm it. */
  const setPermission = async (plugin: string, permission: string, granted: boolean): Promise<string> => {
    const box = `article[data-plugin="${plugin}"] input[id="perm-${plugin}-${permission.replace(/[^a-z0-9]/g, "-")}"]`;
    if (granted) await page.check(box);
    else await page.uncheck(box);
    await page.waitForSelector("#status .ok, #status .error");
    return page.innerText("#status");
  };

  /** Clicks a button that runs an action and returns the status line once the action has finished. */
  const act = async (selector: string): Promise<{ text: string; code: string | null }> => {
    await page.click(selector);
    await page.waitForSelector("#status .ok, #status .error");
    return { text: await page.innerText("#status"), code: await page.$eval("#status", (status) => status.querySelector(".error")?.getAttribute("data-code") ?? null) };
  };
  /** A fixture as a folder the page can pick: plugin.json (from wat/<name>.json) and plugin.wasm. */
  const fixtureFolder = async (name: string): Promise<string[]> => {
    const dir = join(filesDir, name);
    await mkdir(dir, { recursive: true });
    await copyFile(join(root, "test/fixtures/wat", `${name}.json`), join(dir, "plugin.json"));
    await copyFile(fixture(name), join(dir, "plugin.wasm"));
    return [join(dir, "plugin.json"), join(dir, "plugin.wasm")];
  };
  /** Packs a fixture into a .tsp (its plugin.json given a hash, `changes` laid over it); signed when `signer` is given. */
  const packFixture = async (name: string, options: { signer?: SigningKey; changes?: object; signatureOf?: Uint8Array } = {}): Promise<Uint8Array> => {
    const wasm = new Uint8Array(await readFile(fixture(name)));
    const manifest = { ...JSON.parse(await readFile(join(root, "test/fixtures/wat", `${name}.json`), "utf8")), hash: `sha256:${await sha256Hex(wasm)}`, ...options.changes };
    const signature = options.signatureOf === undefined ? undefined : unpackBundle(options.signatureOf).signature;
    return packBundle({ manifest: new TextEncoder().encode(JSON.stringify(manifest, null, 2)), wasm }, { signer: options.signer, signature });
  };

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "threadspace-playground-vite-"));
    filesDir = await mkdtemp(join(tmpdir(), "threadspace-playground-files-"));
    server = await createServer({
      configFile: join(root, "playground/vite.config.ts"),
      cacheDir,
      logLevel: "warn",
      server: { port: 0, strictPort: false, hmr: false },
    });
    await server.listen();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    page = await (await browser.newContext()).newPage();
    page.on("dialog", (dialog) => void dialog.dismiss());
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error("the playground's Vite server reports no local URL");
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (cacheDir !== "") await rm(cacheDir, { recursive: true, force: true });
    if (filesDir !== "") await rm(filesDir, { recursive: true, force: true });
  });

  test("opens with every example plugin installed and the page cross-origin isolated", { timeout: 120_000 }, async () => {
    expect(await ready(), await page.innerText("#status")).toBe("true");
    expect(await installed()).toEqual(await exampleNames());
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.innerText("#status")).toMatch(/Ready: \d+ plugins installed/);
  });

  test('calling hello.greet with "World" shows "Hello, World!"', { timeout: 60_000 }, async () => {
    const out = await call("hello", "greet", "World", "text");
    expect(out.code, out.text).toBeNull();
    expect(out.text).toContain("Hello, World!");
  });

  test("input that is not JSON, in JSON mode, shows bad_input and where it failed", { timeout: 60_000 }, async () => {
    const out = await call("hello", "greet", "{not json", "json");
    expect(out.code).toBe("bad_input");
    expect(out.text).toMatch(/calling hello\.greet/);
    expect(out.text).toMatch(/not valid JSON/);
  });

  test("a revoked permission makes the call fail with its code and the permission named; granting it back fixes the call", { timeout: 60_000 }, async () => {
    expect(await setPermission("activity-journal", "thread:read", false)).toMatch(/thread:read revoked/);
    const denied = await call("activity-journal", "read_journal", "", "text");
    expect(denied.code).toBe("plugin_error");
    expect(denied.text).toMatch(/permission_denied.*thread:read/);
    expect(await setPermission("activity-journal", "thread:read", true)).toMatch(/thread:read granted/);
    const allowed = await call("activity-journal", "read_journal", "", "text");
    expect(allowed.code, allowed.text).toBeNull();
    expect(allowed.text).toMatch(/memory\.created m1/); // its seed data was journaled at the first visit
  });

  test("shows the selected plugin's log entries at the level picked for it", { timeout: 60_000 }, async () => {
    await page.selectOption("#call-plugin", "memory-analyzer");
    await page.selectOption("#log-level", "debug");
    await page.waitForSelector("#status .ok, #status .error");
    expect(await page.innerText("#status")).toMatch(/memory-analyzer now logs at debug/);
    const out = await call("memory-analyzer", "analyze_memory", '{"id": "m1"}', "json");
    expect(out.text).toMatch(/"wordCount": 20/);
    await page.waitForSelector("#logs li.log.debug");
    expect(await page.innerText("#logs")).toMatch(/analysed memory m1/);
  });

  test("changes a plugin's config; a change the plugin's schema refuses shows config_invalid with its path", { timeout: 60_000 }, async () => {
    const applyConfig = async (plugin: string, patch: string): Promise<string> => {
      const card = `article[data-plugin="${plugin}"]`;
      if (!(await page.$eval(`${card} details.config`, (details) => (details as HTMLDetailsElement).open))) await page.click(`${card} details.config summary`);
      await page.fill(`${card} #config-${plugin}`, patch);
      await page.click(`${card} button[aria-label="Apply config change to ${plugin}"]`);
      await page.waitForSelector("#status .ok, #status .error");
      return page.innerText("#status");
    };
    expect(await applyConfig("hello", '{"greeting": "Hi"}')).toMatch(/hello's config is now .*"greeting":"Hi"/);
    expect((await call("hello", "greet", "World", "text")).text).toContain("Hi, World!");
    const refused = await applyConfig("pattern-recognizer", '{"min_occurrences": 1}');
    expect(await page.$eval("#status .error", (box) => box.getAttribute("data-code"))).toBe("config_invalid");
    expect(refused).toMatch(/min_occurrences/);
    // A change typed but not applied survives the redraw that follows a call.
    await page.fill('article[data-plugin="hello"] #config-hello', '{"greeting": "Ciao"}');
    await call("hello", "greet", "World", "text");
    expect(await page.inputValue('article[data-plugin="hello"] #config-hello')).toBe('{"greeting": "Ciao"}');
  });

  test("a reload keeps the installed plugins, an uninstall, a revoked permission and a config change", { timeout: 120_000 }, async () => {
    await page.click('button[aria-label="Uninstall plain-extism"]');
    await page.waitForSelector("#status .ok, #status .error");
    expect(await page.innerText("#status")).toMatch(/plain-extism uninstalled/);
    expect(await setPermission("memory-analyzer", "memory:read", false)).toMatch(/memory:read revoked/);

    await page.reload();
    expect(await ready(), await page.innerText("#status")).toBe("true");
    const expected = (await exampleNames()).filter((name) => name !== "plain-extism");
    expect(await installed()).toEqual(expected);
    expect(await page.isChecked('input[id="perm-memory-analyzer-memory-read"]')).toBe(false);
    expect(await page.isChecked('input[id="perm-memory-analyzer-config-read"]')).toBe(true);
    const out = await call("hello", "greet", "again", "text");
    expect(out.text).toContain("Hi, again!");
  });

  test("installs a plugin from files picked on disk, shows its install event, and says what is missing from a bad pick", { timeout: 60_000 }, async () => {
    await page.setInputFiles("#local-files", [join(root, "examples/plain-extism/plugin.json"), join(root, "examples/plain-extism/plugin.wasm")]);
    await page.click("#local-form button[type=submit]");
    await page.waitForSelector("#status .ok, #status .error");
    expect(await page.innerText("#status")).toMatch(/plain-extism@1\.0\.0 installed/);
    expect(await installed()).toContain("plain-extism");
    await page.waitForSelector("#events code:text('plugin.installed')");
    const out = await call("plain-extism", "echo", "from disk", "text");
    expect(out.text).toContain("from disk");

    await page.setInputFiles("#local-files", [join(root, "examples/hello/plugin.json")]);
    await page.click("#local-form button[type=submit]");
    await page.waitForSelector("#status .ok, #status .error");
    expect(await page.$eval("#status .error", (box) => box.getAttribute("data-code"))).toBe("source_invalid");
    expect(await page.innerText("#status")).toMatch(/no \.wasm file was picked: pick plugin\.wasm too/);
  });

  test.skipIf(!fixturesBuilt)("installs a signed and an unsigned .tsp showing the signature the engine checked; a tampered or broken one shows its code and hint", { timeout: 60_000 }, async () => {
    const signer = await importSigningKey((await generateSigningKey()).privateJwk);
    const signed = await packFixture("ok", { signer });
    const tsp = async (name: string, bytes: Uint8Array): Promise<{ text: string; code: string | null }> => {
      await writeFile(join(filesDir, name), bytes);
      await page.setInputFiles("#tsp-file", join(filesDir, name));
      return act("#tsp-form button[type=submit]");
    };

    const tampered = await tsp("tampered.tsp", await packFixture("ok", { changes: { description: "changed after signing" }, signatureOf: signed }));
    expect(tampered.code, tampered.text).toBe("signature_invalid");
    expect(tampered.text).toMatch(/changed after it was signed/); // the playground's hint
    const broken = await tsp("broken.tsp", new TextEncoder().encode("not a zip at all"));
    expect(broken.code, broken.text).toBe("bundle_invalid");
    expect(broken.text).toMatch(/threadspace pack/);
    expect(await installed()).not.toContain("ok");

    expect((await tsp("ok.tsp", signed)).text).toMatch(/ok@1\.0\.0 installed.*Signature: valid, untrusted \(ed25519:[0-9a-f]{16}\)/);
    expect(await page.innerText('article[data-plugin="ok"] .signature.untrusted')).toMatch(/^valid, untrusted \(ed25519:[0-9a-f]{16}\)$/);
    expect((await tsp("plain.tsp", await packFixture("plain"))).text).toMatch(/plain@1\.0\.0 installed.*Signature: unsigned \.tsp/);
    expect(await page.innerText('article[data-plugin="plain"] .signature.unsigned')).toBe("unsigned .tsp");
    expect(await page.innerText('article[data-plugin="hello"] .signature.none')).toMatch(/^none checked/);
    expect((await call("plain", "add_one", "41", "text")).text).toContain("42");
  });

  test.skipIf(!fixturesBuilt)("installs a plugin in its own worker with the timeoutMs picked: a runaway call shows timeout and the card counts it", { timeout: 60_000 }, async () => {
    expect(await page.innerText('article[data-plugin="hello"] .runs')).toMatch(/^inline, timeoutMs \d+ — \d+ timeouts(, fuel p50 \d+)?$/);
    await page.selectOption("#install-isolation", "worker");
    await page.fill("#install-timeout", "0");
    await page.setInputFiles("#local-files", await fixtureFolder("loop"));
    const refused = await act("#local-form button[type=submit]");
    expect(refused.code, refused.text).toBe("bad_input");
    expect(refused.text).toMatch(/timeoutMs must be a whole number/);

    await page.fill("#install-timeout", "300");
    await page.setInputFiles("#local-files", await fixtureFolder("loop"));
    expect((await act("#local-form button[type=submit]")).text).toMatch(/loop@1\.0\.0 installed; runs worker, timeoutMs 300/);
    await page.selectOption("#install-isolation", "");
    await page.fill("#install-timeout", "");
    await page.waitForSelector('article[data-plugin="loop"] .runs .isolation.worker');
    expect(await page.innerText('article[data-plugin="loop"] .runs')).toMatch(/^worker, timeoutMs 300 — 0 timeouts.*; worker: 0 restarts/);

    const out = await call("loop", "spin", "", "text");
    expect(out.code, out.text).toBe("timeout");
    expect(out.text).toMatch(/time limit/);
    // Metered, the call stops itself in its worker: counted as a timeout, the worker kept.
    await page.waitForSelector('article[data-plugin="loop"] .runs:text("— 1 timeouts")');
    expect(await page.innerText('article[data-plugin="loop"] .runs')).toMatch(/; worker: 0 restarts/);
    const echo = await call("loop", "echo", "still serving", "text");
    expect(echo.code, echo.text).toBeNull();
    expect(echo.text).toContain("still serving");
  });

  test.skipIf(!fixturesBuilt)("the data panel shows memories, threads with their entries and key-value state, follows calls, and deletes a memory and a key", { timeout: 60_000 }, async () => {
    expect(await page.innerText('#data-memories li[data-memory="m2"]')).toMatch(/Café CAFÉ/);
    const standup = '#data-threads details[data-thread="standup"]';
    expect(await page.innerText(`${standup} summary`)).toMatch(/Daily standup standup — 5 entries/);
    await page.click(`${standup} summary`);
    expect(await page.innerText(`${standup} ol`)).toMatch(/ana: Blocked on the build server again/);

    await page.setInputFiles("#local-files", await fixtureFolder("host-kv"));
    expect((await act("#local-form button[type=submit]")).text).toMatch(/host-kv@1\.0\.0 installed/);
    expect(await setPermission("host-kv", "kv", true)).toMatch(/kv granted/);
    expect(await page.$('#data-kv li[data-kv="host-kv/colour"]')).toBeNull();
    expect((await call("host-kv", "set", '{"key": "colour", "value": {"name": "blue"}}', "json")).code).toBeNull();
    expect(await page.innerText('#data-kv li[data-kv="host-kv/colour"] .payload')).toBe('{"name":"blue"}');

    expect((await act('button[aria-label="Delete key colour of host-kv"]')).text).toMatch(/host-kv: key colour deleted/);
    expect(await page.$('#data-kv li[data-kv="host-kv/colour"]')).toBeNull();
    expect((await call("host-kv", "get", '{"key": "colour"}', "json")).text).toMatch(/null/);

    // Set from the page: the plugin reads it; a value that is not JSON is bad_input.
    await page.selectOption("#kv-plugin", "host-kv");
    await page.fill("#kv-key", "size");
    await page.fill("#kv-value", '{"cm": 42}');
    expect((await act("#kv-set")).text).toMatch(/host-kv: key size set/);
    expect(await page.innerText('#data-kv li[data-kv="host-kv/size"] .payload')).toBe('{"cm":42}');
    expect((await call("host-kv", "get", '{"key": "size"}', "json")).text).toMatch(/"cm": 42/);
    await page.fill("#kv-value", "not json");
    await act("#kv-set");
    expect(await page.$eval("#status .error", (box) => box.getAttribute("data-code"))).toBe("bad_input");

    expect((await act('button[aria-label="Delete memory m2"]')).text).toMatch(/Memory m2 deleted/);
    expect(await page.$('#data-memories li[data-memory="m2"]')).toBeNull();
    expect(await page.$('#data-memories li[data-memory="m1"]')).not.toBeNull();
  });

  test.skipIf(!fixturesBuilt)("a reload keeps the isolation and timeoutMs a plugin was installed with, and a .tsp's signature (checked again from storage)", { timeout: 120_000 }, async () => {
    await page.reload();
    expect(await ready(), await page.innerText("#status")).toBe("true");
    await page.waitForSelector('article[data-plugin="loop"] .runs .isolation.worker');
    expect(await page.innerText('article[data-plugin="loop"] .runs')).toMatch(/^worker, timeoutMs 300 — 0 timeouts.*; worker: 0 restarts/);
    expect(await page.innerText('article[data-plugin="ok"] .signature.untrusted')).toMatch(/^valid, untrusted \(ed25519:[0-9a-f]{16}\)$/);
    expect(await page.innerText('article[data-plugin="plain"] .signature.unsigned')).toBe("unsigned .tsp");
  });
});
