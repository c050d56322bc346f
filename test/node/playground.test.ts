/**
 * The playground end to end: its own Vite server (playground/vite.config.ts, started here with
 * `createServer`) and headless Chromium driven by Playwright at 1,280×800, as a person would use
 * it: the engine in its Web Worker, the examples preinstalled, a newcomer's first call from Start
 * here, each plugin tab (Call with output views and history, Permissions, Logs, Config, Health
 * charts), Events (an emitted event reaching a subscribed plugin), Data, Install (files, .tsp),
 * Trust (a trusted key making a signed .tsp `trusted`), a looping plugin stopped while the page
 * stays usable, and reloads keeping plugins, grants, config, history and health samples.
 * Each main view is photographed: into docs/playground/ (linked from playground/README.md) when
 * PLAYGROUND_SCREENSHOTS=1 (`npm run screenshots:playground`), else into a temporary folder, so a
 * plain `npm test` leaves the committed pictures alone.
 * Skipped when there is no Chromium or the examples are not built (`npm test` builds them).
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigningKey, importSigningKey, packBundle, sha256Hex, unpackBundle, type SigningKey } from "@threadspace/bundle";
import type { Browser, Page } from "playwright";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumPath } from "../support/chromium.ts";
import { launchChromium } from "../support/launch-chromium.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const built = existsSync(join(root, "examples/hello/plugin.wasm"));
/** The WAT fixtures (npm run build:fixtures) the .tsp, isolation and key-value checks install. */
const fixture = (name: string): string => join(root, "test/fixtures/build", `${name}.wasm`);
const fixturesBuilt = ["ok", "plain", "loop", "host-kv"].every((name) => existsSync(fixture(name)));
/** Where the e2e run writes the screenshots of each main view (the docs only when asked). */
const shotsDir = process.env["PLAYGROUND_SCREENSHOTS"] === "1" ? join(root, "docs/playground") : join(tmpdir(), "threadspace-playground-shots");
/** Every example directory with a plugin.json: the playground must preinstall each one. */
const exampleNames = async (): Promise<string[]> => {
  const names = await readdir(join(root, "examples"));
  return names.filter((name) => existsSync(join(root, "examples", name, "plugin.json"))).sort();
};

describe.skipIf(!existsSync(chromiumPath) || !built)("playground in Chromium", () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  let base = "";
  let cacheDir = "";
  /** Files the tests write for the page to pick (fixture folders, .tsp files). */
  let filesDir = "";
  let signer: SigningKey;
  let signerPublicKey = "";

  /** Waits for the page to finish starting and returns how it ended ("true" or "failed"). */
  const ready = async (): Promise<string> => {
    await page.waitForSelector("body[data-ready]", { timeout: 90_000 });
    return (await page.getAttribute("body", "data-ready")) ?? "";
  };
  /** Goes to a route (`plugin/hello/call`, `events`) and waits for its page. */
  const go = async (route: string): Promise<void> => {
    await page.evaluate((hash) => (location.hash = hash), `#/${route}`);
    const [kind, plugin, tab] = route.split("/");
    if (kind === "plugin") await page.waitForSelector(`section.plugin-page[data-plugin="${plugin}"] a[role=tab][data-tab="${tab}"][aria-selected=true]`);
    else await page.waitForSelector(`section.${kind}-page`);
  };
  const installed = (): Promise<string[]> => page.$$eval("#plugin-nav li[data-plugin]", (items) => items.map((item) => (item as HTMLElement).dataset["plugin"] ?? ""));
  const shoot = (name: string): Promise<Buffer> => page.screenshot({ path: join(shotsDir, `${name}.png`) });
  /** The status line once the action it reports has finished. */
  const settled = async (): Promise<{ text: string; code: string | null }> => {
    await page.waitForSelector("#status .ok, #status .error");
    return { text: await page.innerText("#status"), code: await page.$eval("#status", (status) => status.querySelector(".error")?.getAttribute("data-code") ?? null) };
  };
  /** Clicks a button that runs an action and returns the status line once it has finished. */
  const act = async (selector: string): Promise<{ text: string; code: string | null }> => {
    await page.click(selector);
    return settled();
  };
  /** Calls an export from the plugin's Call tab and returns the output area once the call has finished. */
  const call = async (plugin: string, exportName: string, input: string, mode: "text" | "json"): Promise<{ text: string; code: string | null }> => {
    await go(`plugin/${plugin}/call`);
    await page.selectOption("#call-export", exportName);
    await page.check(`#call-form input[name=mode][value=${mode}]`);
    await page.fill("#call-input", input);
    await page.evaluate(() => document.getElementById("call-output")?.replaceChildren());
    await page.click("#call-button");
    await page.waitForSelector("#call-output .summary, #call-output .error");
    return { text: await page.innerText("#call-output"), code: await page.$eval("#call-output", (out) => out.querySelector(".error")?.getAttribute("data-code") ?? null) };
  };
  /** Toggles a permission checkbox in the plugin's Permissions tab; returns the status line. */
  const setPermission = async (plugin: string, permission: string, granted: boolean): Promise<string> => {
    await go(`plugin/${plugin}/permissions`);
    const box = `input[id="perm-${plugin}-${permission.replace(/[^a-z0-9]/g, "-")}"]`;
    if (granted) await page.check(box);
    else await page.uncheck(box);
    return (await settled()).text;
  };
  /** A fixture as a folder the page can pick: plugin.json (from wat/<name>.json) and plugin.wasm. */
  const fixtureFolder = async (name: string): Promise<string[]> => {
    const dir = join(filesDir, name);
    await mkdir(dir, { recursive: true });
    await copyFile(join(root, "test/fixtures/wat", `${name}.json`), join(dir, "plugin.json"));
    await copyFile(fixture(name), join(dir, "plugin.wasm"));
    return [join(dir, "plugin.json"), join(dir, "plugin.wasm")];
  };
  /** Packs a fixture into a .tsp (its plugin.json given a hash, `changes` laid over it); signed when `sign` is given. */
  const packFixture = async (name: string, options: { sign?: SigningKey; changes?: object; signatureOf?: Uint8Array } = {}): Promise<Uint8Array> => {
    const wasm = new Uint8Array(await readFile(fixture(name)));
    const manifest = { ...JSON.parse(await readFile(join(root, "test/fixtures/wat", `${name}.json`), "utf8")), hash: `sha256:${await sha256Hex(wasm)}`, ...options.changes };
    const signature = options.signatureOf === undefined ? undefined : unpackBundle(options.signatureOf).signature;
    return packBundle({ manifest: new TextEncoder().encode(JSON.stringify(manifest, null, 2)), wasm }, { signer: options.sign, signature });
  };
  const installFiles = async (files: string[]): Promise<{ text: string; code: string | null }> => {
    await go("install");
    await page.setInputFiles("#local-files", files);
    return act("#local-form button[type=submit]");
  };

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "threadspace-playground-vite-"));
    filesDir = await mkdtemp(join(tmpdir(), "threadspace-playground-files-"));
    await mkdir(shotsDir, { recursive: true });
    const generated = await generateSigningKey();
    signer = await importSigningKey(generated.privateJwk);
    signerPublicKey = generated.publicKey;
    server = await createServer({
      configFile: join(root, "playground/vite.config.ts"),
      cacheDir,
      logLevel: "warn",
      server: { port: 0, strictPort: false, hmr: false },
    });
    await server.listen();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    base = server.resolvedUrls?.local[0] ?? "";
    if (base === "") throw new Error("the playground's Vite server reports no local URL");
    await page.goto(base);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (cacheDir !== "") await rm(cacheDir, { recursive: true, force: true });
    if (filesDir !== "") await rm(filesDir, { recursive: true, force: true });
  });

  test("opens on Start here with every example installed in the sidebar, the engine in a worker, the page cross-origin isolated", { timeout: 120_000 }, async () => {
    expect(await ready(), await page.innerText("#status")).toBe("true");
    expect(await installed()).toEqual(await exampleNames());
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.innerText("#status")).toMatch(/Ready: \d+ plugins installed/);
    expect(await page.innerText("#plugin-nav li[data-plugin=hello]")).toMatch(/hello\s+1\.0\.0\s+healthy\s+inline/);
    // The engine runs in its own Web Worker, not in the page.
    expect(page.workers().map((worker) => worker.url()).some((url) => url.includes("engine-worker"))).toBe(true);
    await page.waitForSelector("#start-form");
  });

  test("a newcomer's first call: type a memory on Start here, memory-analyzer answers about it", { timeout: 60_000 }, async () => {
    await page.fill("#start-memory", "Paired with Ana on the flaky build today. The build server needs more memory.");
    await page.click("#start-go");
    await page.waitForSelector("#start-output .summary, #start-output .error");
    const out = await page.innerText("#start-output");
    expect(out).toMatch(/memory-analyzer\.analyze_memory returned \d+ bytes in [\d.]+ ms, fuel [\d,]+/);
    await page.click('#start-output button[data-mode="tree"]');
    expect(await page.innerText("#start-output .json-tree")).toMatch(/"wordCount": 14/);
    expect(await page.innerText(".start-page .next")).toMatch(/Call it again/);
    await shoot("start-here");
  });

  test("the Call tab: text and JSON input, output as text, JSON tree and hex, duration and fuel; errors with their code, never in the success colour", { timeout: 60_000 }, async () => {
    const out = await call("hello", "greet", "World", "text");
    expect(out.code, out.text).toBeNull();
    expect(out.text).toMatch(/hello\.greet returned 13 bytes in [\d.]+ ms, fuel [\d,]+/);
    expect(out.text).toContain("Hello, World!");
    await page.click('#call-output button[data-mode="hex"]');
    expect(await page.innerText("#call-output pre.hex")).toMatch(/^00000000  48 65 6c 6c 6f 2c 20 57  6f 72 6c 64 21\s+\|Hello, World!\|/);
    await page.click('#call-output button[data-mode="text"]');

    const bad = await call("hello", "greet", "{not json", "json");
    expect(bad.code).toBe("bad_input");
    expect(bad.text).toMatch(/calling hello\.greet/);
    expect(bad.text).toMatch(/not valid JSON/);
    expect(await page.$("#call-output .ok")).toBeNull();

    const vowels = await call("plain-extism", "count_vowels", "aeiou", "text");
    expect(vowels.code, vowels.text).toBeNull();
    expect(await page.innerText("#call-history")).toMatch(/count_vowels\(aeiou\)/);
    await shoot("call");
  });

  test("the call history keeps every call of a plugin; a call is loaded into the form or run again", { timeout: 60_000 }, async () => {
    await go("plugin/hello/call");
    await page.waitForSelector("#call-history li[data-history]");
    const before = await page.$$eval("#call-history li[data-history]", (items) => items.length);
    expect(await page.innerText("#call-history li[data-history]:nth-child(1)")).toMatch(/greet\(\{not json\) bad_input/);
    expect(await page.innerText("#call-history li[data-history]:nth-child(2)")).toMatch(/greet\(World\) 13 B/);
    await page.click("#call-history li[data-history]:nth-child(2) button:text('Run again')");
    await page.waitForSelector(`#call-history li[data-history]:nth-child(${before + 1})`);
    expect(await page.innerText("#call-output")).toContain("Hello, World!");
    await page.check("#call-form input[name=mode][value=text]");
    await page.fill("#call-input", "");
    await page.click("#call-history li[data-history]:nth-child(1) button:text('Load')");
    expect(await page.inputValue("#call-input")).toBe("World");
  });

  test("a form built from an export's schema refuses bad input with its path; the engine refuses it too; good input goes through", { timeout: 60_000 }, async () => {
    await go("plugin/activity-journal/call");
    await page.selectOption("#call-export", "read_journal");
    await page.waitForSelector("#call-form label[data-mode=form]:not([hidden]) input:checked");
    expect(await page.innerText("#call-form .schema-form")).toMatch(/matches \^\[0-9\]\{0,15\}\$/);
    await page.fill("#call-field", "abc");
    await page.click("#call-button");
    await page.waitForSelector("#call-output .error");
    expect(await page.getAttribute("#call-output .error", "data-code")).toBe("bad_input");
    expect(await page.innerText("#call-output .error")).toMatch(/\$ must match/);
    await shoot("call-form");
    // Past the form, the engine checks the same schema before the plugin runs.
    const refused = await call("activity-journal", "read_journal", "abc", "text");
    expect(refused.code).toBe("bad_input");
    await page.check("#call-form input[name=mode][value=form]");
    await page.fill("#call-field", "0");
    await page.click("#call-button");
    await page.waitForSelector("#call-output .summary");
    expect(await page.innerText("#call-output")).toMatch(/memory\.created m1/);
  });

  test("a recorded call is listed in Traces step by step, replayed the same on its plugin and with differences on another build, saved to a .tstrace and loaded back", { timeout: 60_000 }, async () => {
    await go("plugin/hello/call");
    await page.selectOption("#call-export", "greet");
    await page.check("#call-form input[name=mode][value=text]");
    await page.fill("#call-input", "Trace");
    await page.check("#call-record");
    await page.click("#call-button");
    await page.waitForSelector("#call-output .summary");
    expect(await page.innerText("#call-output")).toMatch(/recorded/);
    await page.click("#call-output .traced a");
    await page.waitForSelector("#trace-list li[data-trace] button");
    await page.click("#trace-list li[data-trace]:first-child button");
    expect(await page.innerText("#trace-detail .steps")).toMatch(/greet\(\s*Trace\s*\)/);
    expect(await page.innerText("#trace-detail .steps")).toMatch(/ts_config_get|result/);
    await page.click("#replay-button");
    await page.waitForSelector("#replay-result .replay");
    expect(await page.getAttribute("#replay-result .replay", "data-same"), await page.innerText("#replay-result")).toBe("true");
    await page.selectOption("#replay-target", "c-hello");
    await page.click("#replay-button");
    await page.waitForSelector("#replay-result .replay[data-same=false]");
    expect(await page.$$eval("#replay-result .diff", (items) => items.length)).toBeGreaterThan(0);
    await shoot("traces");
    // Saved to a .tstrace and loaded back: listed again, and it replays the same.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#trace-detail button:text('Save .tstrace')")]);
    const saved = join(filesDir, "greet.tstrace");
    await download.saveAs(saved);
    expect(JSON.parse(await readFile(saved, "utf8"))).toMatchObject({ format: "threadspace-trace", export: "greet" });
    const before = await page.$$eval("#trace-list li[data-trace]", (items) => items.length);
    await page.setInputFiles("#trace-file", saved);
    expect((await settled()).text).toMatch(/greet\.tstrace loaded/);
    await page.waitForSelector(`#trace-list li[data-trace]:nth-child(${before + 1})`);
    await page.click("#replay-button");
    await page.waitForSelector("#replay-result .replay[data-same=true]");
    await page.setInputFiles("#trace-file", { name: "bad.tstrace", mimeType: "application/json", buffer: Buffer.from('{"format": "threadspace-trace"}') });
    expect((await settled()).code).toBe("bad_input");
  });

  test("Permissions: a revoked permission makes the call fail with its code and the permission named; granting it back fixes the call", { timeout: 60_000 }, async () => {
    expect(await setPermission("activity-journal", "thread:read", false)).toMatch(/thread:read revoked/);
    const denied = await call("activity-journal", "read_journal", "", "text");
    expect(denied.code).toBe("plugin_error");
    expect(denied.text).toMatch(/permission_denied.*thread:read/);
    expect(await setPermission("activity-journal", "thread:read", true)).toMatch(/thread:read granted/);
    const allowed = await call("activity-journal", "read_journal", "", "text");
    expect(allowed.code, allowed.text).toBeNull();
    expect(allowed.text).toMatch(/memory\.created m1/); // its seed data was journaled at the first visit
  });

  test("Logs: the plugin's entries at the level picked for it", { timeout: 60_000 }, async () => {
    await go("plugin/memory-analyzer/logs");
    await page.selectOption("#log-level", "debug");
    expect((await settled()).text).toMatch(/memory-analyzer now logs at debug/);
    const out = await call("memory-analyzer", "analyze_memory", '{"id": "m1"}', "json");
    expect(out.text).toMatch(/"wordCount": 20/);
    await go("plugin/memory-analyzer/logs");
    await page.waitForSelector("#logs li.log.debug");
    expect(await page.innerText("#logs")).toMatch(/analysed memory m1/);
  });

  test("Config: 156 stop words stay folded; a change reaches the plugin; one the schema refuses shows config_invalid with its path", { timeout: 60_000 }, async () => {
    await go("plugin/memory-analyzer/config");
    await page.waitForSelector(".config-effective .json-tree");
    const stopWords = page.locator('.config-effective details.json-node:has(> summary:has-text("stop_words"))');
    expect(await stopWords.locator("> summary").innerText()).toMatch(/"stop_words": \[156 items\]/);
    expect(await stopWords.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(false);
    expect(await page.$eval("section.plugin-page", (element) => element.getBoundingClientRect().height)).toBeLessThan(800);
    await shoot("config");

    const applyConfig = async (plugin: string, patch: string): Promise<string> => {
      await go(`plugin/${plugin}/config`);
      await page.fill(`#config-${plugin}`, patch);
      return (await act(`button[aria-label="Apply config change to ${plugin}"]`)).text;
    };
    expect(await applyConfig("hello", '{"greeting": "Hi"}')).toMatch(/hello's config is now .*"greeting":"Hi"/);
    expect((await call("hello", "greet", "World", "text")).text).toContain("Hi, World!");
    const refused = await applyConfig("pattern-recognizer", '{"min_occurrences": 1}');
    expect(await page.$eval("#status .error", (box) => box.getAttribute("data-code"))).toBe("config_invalid");
    expect(refused).toMatch(/min_occurrences/);
    // A change typed but not applied survives leaving the tab.
    await go("plugin/hello/config");
    await page.fill("#config-hello", '{"greeting": "Ciao"}');
    await go("plugin/hello/overview");
    await go("plugin/hello/config");
    expect(await page.inputValue("#config-hello")).toBe('{"greeting": "Ciao"}');
  });

  test("Health: charts drawn after calls, the counters, the circuit breaker and health_check results", { timeout: 60_000 }, async () => {
    for (const name of ["a", "b", "c"]) await call("count-vowels", "count_vowels", name, "text");
    await go("plugin/count-vowels/health");
    const calls = 'figure.chart[data-chart="calls"] circle';
    await page.waitForSelector(calls);
    expect(await page.$$eval(calls, (dots) => dots.length)).toBeGreaterThanOrEqual(3);
    expect(await page.innerText(".health-tab .counters")).toMatch(/Calls\s+\d+ since load/);
    expect(await page.innerText(".health-tab .circuit")).toMatch(/Circuit breaker: closed/);
    await page.waitForSelector(".health-tab .checks li .health");
    expect(await page.innerText(".health-tab .checks")).toMatch(/healthy/);
    await shoot("health");
    // Live: another call adds a sample without leaving the tab.
    const dots = await page.$$eval(calls, (found) => found.length);
    await call("count-vowels", "count_vowels", "more", "text");
    await go("plugin/count-vowels/health");
    await page.waitForFunction(([selector, count]) => document.querySelectorAll(selector as string).length > (count as number), [calls, dots] as const);
  });

  test("Events: the timeline filters and pauses; an emitted event reaches the plugin subscribed to it", { timeout: 60_000 }, async () => {
    await go("events");
    await page.waitForSelector("#events li[data-topic]");
    await page.fill("#events-filter", "plugin.*");
    await page.waitForFunction(() => [...document.querySelectorAll("#events li[data-topic]")].every((item) => (item as HTMLElement).dataset["topic"]?.startsWith("plugin.")));
    await page.fill("#events-filter", "");
    await page.fill("#emit-topic", "memory.created");
    await page.fill("#emit-payload", '{"id": "emitted-1"}');
    expect((await act("#emit-button")).text).toMatch(/Emitted memory\.created/);
    await page.waitForSelector('#events li[data-topic="memory.created"]:has-text("emitted-1")');
    await page.check("#events-pause");
    await page.fill("#emit-payload", '{"id": "emitted-2"}');
    await act("#emit-button");
    await page.waitForSelector(".events-page .waiting:has-text('new while paused')");
    expect(await page.$('#events li:has-text("emitted-2")')).toBeNull();
    await page.uncheck("#events-pause");
    await page.waitForSelector('#events li:has-text("emitted-2")');
    await page.fill("#emit-payload", "{nope");
    expect((await act("#emit-button")).code).toBe("bad_input");
    await shoot("events");
    const journal = await call("activity-journal", "read_journal", "", "text");
    expect(journal.text).toMatch(/memory\.created emitted-1/);
  });

  test.skipIf(!fixturesBuilt)("Data: memories, threads, entries and kv created from the page, visible to plugins at once", { timeout: 60_000 }, async () => {
    await go("data");
    await page.waitForSelector('#data-memories li[data-memory="m2"]');
    expect(await page.innerText('#data-memories li[data-memory="m2"]')).toMatch(/Café CAFÉ/);
    await page.click('#data-threads details[data-thread="standup"] summary');
    expect(await page.innerText('#data-threads details[data-thread="standup"]')).toMatch(/Daily standup standup — 5 entries[\s\S]*ana: Blocked on the build server again/);

    await page.fill("#thread-id", "notes");
    await page.fill("#thread-title", "My notes");
    expect((await act("#thread-create")).text).toMatch(/Thread notes created/);
    await page.waitForSelector('#entry-thread option[value="notes"]', { state: "attached" });
    await page.selectOption("#entry-thread", "notes");
    await page.fill("#entry-content", "first note");
    expect((await act("#entry-append")).text).toMatch(/Entry 0 appended to thread notes/);
    await page.waitForSelector('#data-threads details[data-thread="notes"] summary:has-text("1 entries")');

    await page.fill("#memory-content", "One two three four five");
    await page.fill("#memory-tags", "test, typed");
    await page.selectOption("#memory-thread", "notes");
    const added = await act("#memory-add");
    const id = /Memory (\S+) stored/.exec(added.text)?.[1] ?? "";
    expect(id).not.toBe("");
    await page.waitForSelector(`#data-memories li[data-memory="${id}"]`);
    expect(await page.innerText(`#data-memories li[data-memory="${id}"]`)).toMatch(/One two three four five \[test, typed\] in thread notes/);
    expect((await call("memory-analyzer", "analyze_memory", JSON.stringify({ id }), "json")).text).toMatch(/"wordCount": 5/);

    await installFiles(await fixtureFolder("host-kv"));
    expect(await setPermission("host-kv", "kv", true)).toMatch(/kv granted/);
    expect((await call("host-kv", "set", '{"key": "colour", "value": {"name": "blue"}}', "json")).code).toBeNull();
    await go("data");
    await page.waitForSelector('#data-kv li[data-kv="host-kv/colour"]');
    expect(await page.innerText('#data-kv li[data-kv="host-kv/colour"] .payload')).toBe('{"name":"blue"}');
    await page.selectOption("#kv-plugin", "host-kv");
    await page.fill("#kv-key", "size");
    await page.fill("#kv-value", '{"cm": 42}');
    expect((await act("#kv-set")).text).toMatch(/host-kv: key size set/);
    // Edit: the key's value comes back into the form, changed and set again.
    await page.waitForSelector('#data-kv li[data-kv="host-kv/size"]');
    await page.click('button[aria-label="Edit key size of host-kv"]');
    expect(await page.inputValue("#kv-value")).toBe('{"cm":42}');
    await page.fill("#kv-value", '{"cm": 42}');
    expect((await act("#kv-set")).text).toMatch(/host-kv: key size set/);
    await shoot("data");
    expect((await call("host-kv", "get", '{"key": "size"}', "json")).text).toMatch(/"cm": 42/);
    await go("data");
    await page.fill("#kv-key", "size");
    await page.fill("#kv-value", "not json");
    expect((await act("#kv-set")).code).toBe("bad_input");
    expect((await act('button[aria-label="Delete key colour of host-kv"]')).text).toMatch(/host-kv: key colour deleted/);
    expect((await call("host-kv", "get", '{"key": "colour"}', "json")).text).toMatch(/null/);
    await go("data");
    expect((await act('button[aria-label="Delete memory m2"]')).text).toMatch(/Memory m2 deleted/);
    await page.waitForSelector('#data-memories li[data-memory="m2"]', { state: "detached" });
  });

  test("Install: a plugin from files picked on disk, and a bad pick saying what is missing", { timeout: 60_000 }, async () => {
    await go("plugin/plain-extism/overview");
    await page.click('button[aria-label="Uninstall plain-extism"]');
    await page.click("dialog.confirm button[value=cancel]");
    expect(await installed()).toContain("plain-extism");
    await page.click('button[aria-label="Uninstall plain-extism"]');
    await page.click("dialog.confirm button[data-confirm]");
    expect((await settled()).text).toMatch(/plain-extism uninstalled/);
    await page.waitForFunction(() => document.querySelector('#plugin-nav li[data-plugin="plain-extism"]') === null);

    const ok = await installFiles([join(root, "examples/plain-extism/plugin.json"), join(root, "examples/plain-extism/plugin.wasm")]);
    expect(ok.text).toMatch(/plain-extism@1\.0\.0 installed/);
    await page.waitForSelector('section.plugin-page[data-plugin="plain-extism"]');
    expect(await installed()).toContain("plain-extism");
    expect((await call("plain-extism", "echo", "from disk", "text")).text).toContain("from disk");
    await go("install");
    await shoot("install");
    const bad = await installFiles([join(root, "examples/hello/plugin.json")]);
    expect(bad.code).toBe("source_invalid");
    expect(bad.text).toMatch(/no \.wasm file was picked: pick plugin\.wasm too/);
  });

  test.skipIf(!fixturesBuilt)("a .tsp: signed, unsigned, tampered or broken, each shown with what the engine checked", { timeout: 60_000 }, async () => {
    const signed = await packFixture("ok", { sign: signer });
    const tsp = async (name: string, bytes: Uint8Array): Promise<{ text: string; code: string | null }> => {
      await writeFile(join(filesDir, name), bytes);
      await go("install");
      await page.setInputFiles("#tsp-file", join(filesDir, name));
      return act("#tsp-form button[type=submit]");
    };
    const tampered = await tsp("tampered.tsp", await packFixture("ok", { changes: { description: "changed after signing" }, signatureOf: signed }));
    expect(tampered.code, tampered.text).toBe("signature_invalid");
    expect(tampered.text).toMatch(/changed after it was signed/);
    const broken = await tsp("broken.tsp", new TextEncoder().encode("not a zip at all"));
    expect(broken.code, broken.text).toBe("bundle_invalid");
    expect(broken.text).toMatch(/threadspace pack/);
    expect(await installed()).not.toContain("ok");

    expect((await tsp("ok.tsp", signed)).text).toMatch(/ok@1\.0\.0 installed.*Signature: valid, untrusted \(ed25519:[0-9a-f]{16}\)/);
    await go("plugin/ok/overview");
    expect(await page.innerText(".overview .signature.untrusted")).toMatch(/^valid, untrusted \(ed25519:[0-9a-f]{16}\)$/);
    expect((await tsp("plain.tsp", await packFixture("plain"))).text).toMatch(/plain@1\.0\.0 installed.*Signature: unsigned \.tsp/);
    await go("plugin/hello/overview");
    expect(await page.innerText(".overview .signature.none")).toMatch(/^none checked/);
    expect((await call("plain", "add_one", "41", "text")).text).toContain("42");
  });

  test.skipIf(!fixturesBuilt)("Trust: a pasted public key makes the signed .tsp trusted once the engine restarts; a bad key is bad_input", { timeout: 120_000 }, async () => {
    await go("trust");
    await page.fill("#key-text", "not a key");
    expect((await act("#key-add")).code).toBe("bad_input");
    await page.fill("#key-text", signerPublicKey);
    await page.fill("#key-label", "the test signer");
    // The engine restarts with the key: the page reloads.
    await Promise.all([page.waitForEvent("load", { timeout: 60_000 }), page.click("#key-add")]);
    expect(await ready(), await page.innerText("#status")).toBe("true");
    expect(await page.innerText("#status")).toMatch(/Key ed25519:[0-9a-f]{16} is trusted/);
    await go("trust");
    await page.waitForSelector("#trusted-keys li[data-key]");
    expect(await page.innerText("#trusted-keys")).toMatch(/the test signer/);
    expect(await page.innerText('#signed-plugins li[data-plugin="ok"] .signature.trusted')).toMatch(/^trusted \(ed25519:[0-9a-f]{16}\)$/);
    await shoot("trust");
    await go("plugin/ok/overview");
    expect(await page.innerText(".overview .signature")).toMatch(/^trusted/);
  });

  test.skipIf(!fixturesBuilt)("a looping plugin is stopped at its timeoutMs in the engine's worker while the page stays usable; a timeoutMs of 0 is bad_input", { timeout: 90_000 }, async () => {
    await go("install");
    await page.selectOption("#install-isolation", "worker");
    await page.fill("#install-timeout", "0");
    await page.setInputFiles("#local-files", await fixtureFolder("loop"));
    const refused = await act("#local-form button[type=submit]");
    expect(refused.code, refused.text).toBe("bad_input");
    expect(refused.text).toMatch(/timeoutMs must be a whole number/);
    await page.selectOption("#install-isolation", "inline");
    await page.fill("#install-timeout", "4000");
    await page.setInputFiles("#local-files", await fixtureFolder("loop"));
    expect((await act("#local-form button[type=submit]")).text).toMatch(/loop@1\.0\.0 installed; runs inline, timeoutMs 4000/);

    await go("plugin/loop/call");
    await page.selectOption("#call-export", "spin");
    await page.click("#call-button");
    await page.waitForSelector("#call-output .busy");
    // The loop runs inline in the engine's worker: the page still answers and can be typed in.
    await page.fill("#call-input", "typed while it spins");
    expect(await page.$("#call-output .busy")).not.toBeNull();
    await page.waitForSelector("#call-output .error", { timeout: 30_000 });
    expect(await page.getAttribute("#call-output .error", "data-code")).toBe("timeout");
    const echo = await call("loop", "echo", "still serving", "text");
    expect(echo.code, echo.text).toBeNull();
    expect(echo.text).toContain("still serving");
    await go("plugin/loop/overview");
    expect(await page.innerText(".overview")).toMatch(/Calls\s+\d+ \(\d+ errors, 1 timeouts\)/);
  });

  test("the layout is readable at 800 px: no horizontal scroll, the sidebar above the page", { timeout: 30_000 }, async () => {
    await page.setViewportSize({ width: 800, height: 800 });
    await go("plugin/memory-analyzer/config");
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const [nav, main] = await Promise.all([page.$eval("#sidebar", (e) => e.getBoundingClientRect().bottom), page.$eval("#main", (e) => e.getBoundingClientRect().top)]);
    expect(nav).toBeLessThanOrEqual(main);
    // Keyboard: arrow keys move between tabs.
    await page.focus('a[role=tab][data-tab="config"]');
    await page.keyboard.press("ArrowRight");
    await page.waitForSelector('a[role=tab][data-tab="permissions"][aria-selected=true]');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("a reload keeps plugins, an uninstall, a revoke, config, call history, health samples, traces, isolation and a .tsp's signature", { timeout: 120_000 }, async () => {
    expect(await setPermission("memory-analyzer", "memory:read", false)).toMatch(/memory:read revoked/);
    await page.reload();
    expect(await ready(), await page.innerText("#status")).toBe("true");
    const names = await installed();
    for (const name of ["hello", "memory-analyzer", "plain-extism"]) expect(names).toContain(name);
    expect(names.filter((name) => name === "plain-extism")).toHaveLength(1);
    await go("plugin/memory-analyzer/permissions");
    expect(await page.isChecked('input[id="perm-memory-analyzer-memory-read"]')).toBe(false);
    expect(await page.isChecked('input[id="perm-memory-analyzer-config-read"]')).toBe(true);
    expect((await call("hello", "greet", "again", "text")).text).toContain("Hi, again!");
    expect(await page.innerText("#call-history")).toMatch(/greet\(World\)/);
    await go("plugin/count-vowels/health");
    await page.waitForSelector('figure.chart[data-chart="calls"] circle');
    await go("plugin/hello/traces");
    await page.waitForSelector("#trace-list li[data-trace]");
    // The events a reload shows are the stored log plus `plugin.restored`, not new installs.
    await go("events");
    await page.fill("#events-filter", "plugin.installed");
    const installs = await page.$$eval("#events li[data-topic='plugin.installed']", (items) => items.map((item) => item.textContent ?? ""));
    const hello = installs.filter((text) => /"hello"/.test(text));
    expect(hello.length).toBeLessThanOrEqual(1);
    if (fixturesBuilt) {
      await go("plugin/loop/overview");
      expect(await page.innerText(".overview")).toMatch(/timeoutMs\s+4000/);
      await go("plugin/ok/overview");
      expect(await page.innerText(".overview .signature")).toMatch(/^trusted \(ed25519:[0-9a-f]{16}\)$/);
      await go("plugin/plain/overview");
      expect(await page.innerText(".overview .signature")).toBe("unsigned .tsp");
    }
  });
});
