/**
 * The metering rewrite over every wasm the project builds: examples (npm run build:examples),
 * the PDKs' test plugins, test fixtures (npm run build:fixtures) and the plugin templates'
 * output when built (and one emscripten module from node_modules). Each rewritten module must validate, and every export that can be called
 * through raw @extism/extism must return the same output (or fail the same way) as the
 * original, with the same fuel on two fresh instances. The threadspace:meter imports are served
 * by the real host side (FuelMeter.extismFunctions()); Threadspace host functions get the same
 * `{"ok":null}` reply on both sides.
 */
import createPlugin, { type CallContext, type Plugin } from "@extism/extism";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FuelMeter } from "../../packages/core/src/fuel/fuel-meter.ts";
import { readMeterSection, rewriteModule } from "../../packages/core/src/metering/index.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every built module: [label, wasm path, plugin.json path or undefined]. */
function corpus(): [string, string, string | undefined][] {
  const found: [string, string, string | undefined][] = [];
  const bundles = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const wasm = join(dir, name, "plugin.wasm");
      if (existsSync(wasm)) found.push([`${dir.slice(root.length)}/${name}`, wasm, join(dir, name, "plugin.json")]);
    }
  };
  bundles(join(root, "examples"));
  bundles(join(root, "plugin-templates"));
  bundles(join(root, "packages/pdk-as/tests/fixtures"));
  bundles(join(root, "packages/pdk-c/tests/fixtures"));
  const fixtures = join(root, "test/fixtures/build");
  if (existsSync(fixtures)) {
    for (const file of readdirSync(fixtures).sort()) {
      if (!file.endsWith(".wasm")) continue;
      const json = join(root, "test/fixtures/wat", file.replace(/\.wasm$/, ".json"));
      found.push([`test/fixtures/${file}`, join(fixtures, file), existsSync(json) ? json : undefined]);
    }
  }
  // A third-party module the repository already has (emscripten, 552 KiB): validated only.
  const emscripten = join(root, "node_modules/playwright-core/lib/webp_codec.wasm");
  if (existsSync(emscripten)) found.push(["playwright-core webp_codec.wasm (emscripten)", emscripten, undefined]);
  return found;
}

const MODULES = corpus();
/**
 * Not called: exports that allocate without bound (memory bombs; `set_forever` stores a host
 * block per host call, forever: within the fuel budget that is millions of blocks in Extism's
 * kernel), WASI entry points, and init_plugin (called first, below).
 */
const NOT_CALLED = new Set(["grow", "grab", "set_forever", "memory", "_start", "_initialize", "init_plugin"]);
/** Exports whose output differs from call to call (wasi-random's `draw`: the clock and random bytes): both sides must answer, not the same. */
const NONDETERMINISTIC = new Set(["draw"]);
/** Inputs that make an export do real work; the rest get DEFAULT_INPUT. */
const INPUTS: Record<string, string> = {
  hash_sort: "20000 7",
  count_vowels: "Hello, World! The quick brown fox jumps over the lazy dog. ".repeat(50),
  recognize_patterns: JSON.stringify({
    events: Array.from({ length: 40 }, (_, i) => ({ at: `2026-01-01T10:${String(i % 60).padStart(2, "0")}:00Z`, user: `u${i % 3}`, note: `user logged in from host ${i % 5}` })),
  }),
};
const DEFAULT_INPUT = JSON.stringify({ text: "Hello, World", name: "World", n: 3 });
const CALL_FUEL = 50_000_000;

interface Loaded {
  readonly plugin: Plugin;
  readonly meter: FuelMeter | undefined;
}

/** Host functions of the Threadspace host ABI (handle in, handle out), each replying `{"ok":null}`: the same replies to both sides. */
function hostStubs(names: readonly string[]): Record<string, Record<string, (context: CallContext, handle: bigint) => bigint>> {
  if (names.length === 0) return {};
  return { "extism:host/user": Object.fromEntries(names.map((name) => [name, (context: CallContext) => context.store(JSON.stringify({ ok: null }))])) };
}

/** A module whose start function never returns: its metered instantiation was stopped by fuel. */
const STOPPED = "stopped";

async function load(wasm: Uint8Array, config: Record<string, string>, wasi: boolean, metered: boolean, host: readonly string[]): Promise<Loaded | typeof STOPPED> {
  const meter = metered ? new FuelMeter("corpus") : undefined;
  meter?.begin({ fuel: CALL_FUEL, deadline: Infinity });
  const functions = { ...hostStubs(host), ...(meter === undefined ? {} : meter.extismFunctions()) };
  let plugin: Plugin;
  try {
    plugin = await createPlugin({ wasm: [{ data: wasm }], config }, { useWasi: wasi, functions });
  } catch (error) {
    if (meter?.end().stop !== undefined) return STOPPED;
    throw error;
  }
  meter?.end();
  meter?.attach(await plugin.getInstance());
  return { plugin, meter };
}

async function call(loaded: Loaded, name: string, input: string): Promise<{ out: string; fuel: number | undefined; stopped: boolean }> {
  loaded.meter?.begin({ fuel: CALL_FUEL, deadline: Infinity });
  let out: string;
  try {
    out = `ok ${(await loaded.plugin.call(name, input))?.text() ?? "<no output>"}`;
  } catch (error) {
    out = `error ${error instanceof Error ? error.message : String(error)}`;
  }
  const report = loaded.meter?.end();
  return { out, fuel: report?.fuel, stopped: report?.stop !== undefined };
}

describe("the metering rewrite over every wasm the project has", () => {
  it("finds the built modules (npm run build:examples && npm run build:fixtures)", () => {
    expect(MODULES.length).toBeGreaterThan(20);
  });

  it.each(MODULES)("%s: validates, and every callable export answers as the original", async (_label, path, manifestPath) => {
    const wasm = new Uint8Array(readFileSync(path));
    const metered = rewriteModule(wasm, { memoryPages: 65_536, tableElements: 100_000 });
    expect(WebAssembly.validate(metered.bytes)).toBe(true);
    expect(readMeterSection(metered.bytes)?.fuel).toBe(true);
    expect(WebAssembly.validate(rewriteModule(wasm, { fuel: false, memoryPages: 1024 }).bytes)).toBe(true);

    const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm));
    const known = new Set(["extism:host/env", "extism:host/user", "wasi_snapshot_preview1"]);
    if (imports.some((i) => !known.has(i.module))) return; // imports we cannot serve (a bad-import fixture): validated only
    const host = imports.filter((i) => i.module === "extism:host/user").map((i) => i.name);
    const manifest = manifestPath === undefined ? {} : (JSON.parse(readFileSync(manifestPath, "utf8")) as { config?: Record<string, string> });
    const config = manifest.config ?? {};
    const wasi = imports.some((i) => i.module === "wasi_snapshot_preview1");
    // Metered first: a start function that never returns (start-spins) is stopped by fuel there,
    // and the original, which would never return, is not instantiated; one that traps (start-traps)
    // traps in both.
    const loadedOrError = (bytes: Uint8Array, withMeter: boolean) => load(bytes, config, wasi, withMeter, host).catch((error: unknown) => ({ error }));
    const first = await loadedOrError(metered.bytes, true);
    if (first === STOPPED) return;
    if ("error" in first) {
      const original = await loadedOrError(wasm, false);
      expect(original !== STOPPED && "error" in original, "the original fails to instantiate too").toBe(true);
      return;
    }
    const second = await load(metered.bytes, config, wasi, true, host);
    const plain = await load(wasm, config, wasi, false, host);
    if (second === STOPPED || plain === STOPPED) throw new Error("a second instantiation was stopped where the first was not");
    try {
      const all = WebAssembly.Module.exports(new WebAssembly.Module(wasm));
      const exports = all.filter((e) => e.kind === "function" && !NOT_CALLED.has(e.name));
      if (all.some((e) => e.name === "init_plugin")) exports.unshift({ name: "init_plugin", kind: "function" });
      for (const { name } of exports) {
        const input = INPUTS[name] ?? DEFAULT_INPUT;
        const a = await call(first, name, input);
        const b = await call(second, name, input);
        expect(b.fuel, `${name}: fuel on a second instance`).toBe(a.fuel);
        if (a.stopped) continue; // loops (the original would never return): stopped by fuel
        const expected = await call(plain, name, input);
        if (NONDETERMINISTIC.has(name)) expect([a.out.slice(0, 3), expected.out.slice(0, 3)], name).toEqual(["ok ", "ok "]);
        else expect(a.out, name).toBe(expected.out);
      }
    } finally {
      await Promise.all([plain.plugin.close(), first.plugin.close(), second.plugin.close()]);
    }
  });
});
