import { HOST_ABI_VERSION, createEngine } from "@threadspace/core";
import { describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { waitFor } from "./wait-for.ts";
import { bytesOf, fixture, moduleOf, sha256 } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** Installing: every source form, and every kind of bad input leaving nothing registered. */
export function installContract(env: TestEnv): void {
  // workerd compiles no WebAssembly at run time: installing bytes or a URL is source_invalid there
  // (test/edge/engine.test.ts checks it), and a precompiled module has no bytes to hash.
  const withBytes = test.skipIf(env.runtime === "workerd");
  describe("install", () => {
    withBytes("installs the hello example from its bundle location and calls it", async () => {
      const engine = await createEngine();
      const info = await engine.install(env.exampleSource("hello"));
      expect(info).toMatchObject({ name: "hello", state: "ready", interface: "threadspace" });
      expect(info.exports.map((e) => e.name)).toEqual(expect.arrayContaining(["greet", "init_plugin", "get_metadata"]));
      expect(info.sha256).toBe(await sha256(bytesOf(await env.exampleWasm("hello"))));
      expect((await engine.call("hello", "greet", "World")).text()).toBe("Hello, World!");
      expect(engine.findByCapability("greeting").map((p) => p.name)).toEqual(["hello"]);
      await engine.close();
    });

    test.runIf(env.runtime === "workerd")("installing the hello example from its URL (or its bytes) is source_invalid, saying what to install instead", async () => {
      const engine = await createEngine();
      const error = await expectCode(engine.install(env.exampleSource("hello")), "source_invalid");
      expect(error.message).toMatch(/does not compile WebAssembly at run time.*precompiled WebAssembly\.Module/);
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    withBytes("installs from { manifest, wasm } bytes, checking a matching hash", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const info = await engine.install({ ...parts, manifest: { ...(parts.manifest as object), hash: await sha256(parts.wasm as Uint8Array) } });
      expect(info.state).toBe("ready");
      expect((await engine.call("ok", "echo", "ping")).text()).toBe("ping");
      await engine.close();
    });

    test("installs from a precompiled WebAssembly.Module (edge hosts)", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const module = await moduleOf(parts.wasm as Uint8Array | WebAssembly.Module);
      const info = await engine.install({ manifest: parts.manifest, wasm: module });
      expect(info.sha256).toBeUndefined();
      expect((await engine.call("ok", "echo", "m")).text()).toBe("m");
      await engine.close();
    });

    test("says what it cannot enforce on a precompiled module: the memory cap, the hash, metering", async () => {
      const parts = await fixture(env, "ok", { limits: { memoryPages: 8 } });
      const module = await moduleOf(parts.wasm as Uint8Array | WebAssembly.Module);
      // Not checked either way; workerd has no bytes to hash.
      const hash = parts.wasm instanceof WebAssembly.Module ? `sha256:${"0".repeat(64)}` : await sha256(parts.wasm as Uint8Array);
      const [bare, hashed] = await Promise.all([createEngine(), createEngine()]);
      const info = await bare.install({ manifest: parts.manifest, wasm: module });
      // workerd's fixtures were metered when the worker was bundled (threadspace cap --fuel does the same).
      const fuelNote = env.runtime === "workerd" ? [] : [expect.stringMatching(/^fuel: not metered, .*precompiled WebAssembly\.Module that was not metered at build time/)];
      expect(info.limitNotes).toEqual([expect.stringMatching(/^memoryPages: 8 pages .*not enforced.*precompiled WebAssembly\.Module/), ...fuelNote]);
      const withHash = await hashed.install({ manifest: { ...(parts.manifest as object), hash }, wasm: module });
      expect(withHash.limitNotes).toHaveLength(2 + fuelNote.length);
      expect(withHash.limitNotes[1]).toMatch(new RegExp(`^hash: ${hash} was not checked`));
      await Promise.all([bare.close(), hashed.close()]);
    });

    test("runs a plain Extism plugin with interface extism (no lifecycle exports)", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "plain"));
      expect((await engine.call("plain", "add_one", "41")).text()).toBe("42");
      expect((await engine.health("plain")).status).toBe("healthy");
      await engine.close();
    });

    // Extism's build for Bun serves no WASI (docs/runtimes.md).
    test.skipIf(env.runtime === "bun")("serves WASI imports with nothing mounted", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "wasi"));
      expect((await engine.call("wasi", "hello")).text()).toBe("ok");
      await engine.close();
    });

    test.runIf(env.runtime === "bun")("on Bun a WASI plugin is refused (init_failed), inline and in a worker, saying where it runs instead", async () => {
      const engine = await createEngine();
      for (const isolation of ["inline", "worker"]) {
        const error = await expectCode(engine.install(await fixture(env, "wasi", { limits: { isolation } })), "init_failed");
        expect(error.message).toMatch(/imports WASI .*Bun.* Node or Deno/);
      }
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    withBytes("refuses a hash mismatch before compiling, registering nothing", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok", { hash: `sha256:${"0".repeat(64)}` });
      const error = await expectCode(engine.install(parts), "hash_mismatch");
      expect(error.message).toContain(await sha256(parts.wasm as Uint8Array));
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    withBytes("bytes changed after an earlier install of the same array are hashed again: hash_mismatch", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const manifest = { ...(parts.manifest as Record<string, unknown>), hash: await sha256(parts.wasm as Uint8Array) };
      const wasm = (parts.wasm as Uint8Array).slice();
      await engine.install({ manifest, wasm });
      await engine.uninstall("ok");
      // The same array, one byte changed: neither the remembered hash nor the compiled module may serve it.
      wasm[wasm.length - 1] = (wasm[wasm.length - 1] as number) ^ 0xff;
      await expectCode(engine.install({ manifest, wasm }), "hash_mismatch");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("refuses an invalid manifest with every issue, registering nothing", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok", { name: "Bad Name", version: "one", dependancies: [] });
      const error = await expectCode(engine.install(parts), "manifest_invalid");
      expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["$.name", "$.version", "$.dependancies"]));
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("refuses bytes that are not wasm, and a module that does not compile", async () => {
      const engine = await createEngine();
      const manifest = (await fixture(env, "ok")).manifest;
      const text = await expectCode(engine.install({ manifest, wasm: new TextEncoder().encode("(module)") }), "wasm_invalid");
      expect(text.message).toContain("not a WebAssembly module");
      const broken = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0xff, 0xff]);
      await expectCode(engine.install({ manifest, wasm: broken }), "wasm_invalid");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("refuses missing lifecycle exports, naming them", async () => {
      const engine = await createEngine();
      const error = await expectCode(engine.install(await fixture(env, "no-init")), "export_missing");
      expect(error.message).toContain("init_plugin");
      expect(error.message).not.toContain("get_metadata and");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("checks plugin.json's engine range against the host ABI: a match installs, another major is engine_incompatible", async () => {
      const engine = await createEngine();
      expect((await engine.install(await fixture(env, "ok", { engine: `^${HOST_ABI_VERSION}` }))).name).toBe("ok");
      const major = Number(HOST_ABI_VERSION.split(".")[0]);
      const error = await expectCode(engine.install(await fixture(env, "trap", { engine: `^${major + 1}.0.0` })), "engine_incompatible");
      expect(error.message).toContain(`host ABI ^${major + 1}.0.0`);
      expect(error.message).toContain(`serves host ABI ${HOST_ABI_VERSION}`);
      expect(engine.list().map((info) => info.name)).toEqual(["ok"]);
      await engine.close();
    });

    test("refuses imports no host provides, listing them", async () => {
      const engine = await createEngine();
      const error = await expectCode(engine.install(await fixture(env, "bad-import")), "wasm_invalid");
      expect(error.message).toContain("does_not_exist");
      expect(error.message).toContain('"env" "nope"');
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("reports a failing init_plugin with the plugin's own error text", async () => {
      const engine = await createEngine();
      const error = await expectCode(engine.install(await fixture(env, "init-fails")), "init_failed");
      expect(error.message).toContain("database unreachable");
      await expectCode(engine.install(await fixture(env, "init-traps")), "init_failed");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("refuses get_metadata that does not match plugin.json", async () => {
      const engine = await createEngine();
      const mismatch = await expectCode(engine.install(await fixture(env, "metadata-mismatch")), "metadata_mismatch");
      expect(mismatch.message).toContain("someone-else");
      await expectCode(engine.install(await fixture(env, "metadata-not-json")), "metadata_mismatch");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("refuses a second plugin of the same name, also when installs race", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const results = await Promise.allSettled([engine.install(parts), engine.install(parts)]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      await expectCode(engine.install(parts), "already_installed");
      expect(engine.list().map((p) => p.name)).toEqual(["ok"]);
      await engine.close();
    });

    test("refuses an unreadable source with source_invalid", async () => {
      const engine = await createEngine();
      await expectCode(engine.install(env.exampleSource("does-not-exist")), "source_invalid");
      await expectCode(engine.install({ manifest: { name: "x", version: "1.0.0" }, wasm: 42 as unknown as Uint8Array }), "source_invalid");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    withBytes("ifInstalled: fail (default) is already_installed; keep returns the installed one; upgrade keeps the same wasm and version, replaces a changed wasm", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const wasm = parts.wasm as Uint8Array;
      const first = await engine.install(parts);
      await expectCode(engine.install(parts), "already_installed");
      expect(await engine.install(parts, { ifInstalled: "keep" })).toEqual(first);
      const seq = engine.events.recent({ limit: 1 })[0]?.seq ?? -1;
      expect((await engine.install(parts, { ifInstalled: "upgrade" })).installedAt).toBe(first.installedAt);
      // The same plugin with a custom section appended: another sha256, same behaviour.
      const changed = new Uint8Array([...wasm, 0, 5, 4, ...new TextEncoder().encode("test")]);
      const upgraded = await engine.install({ ...parts, wasm: changed }, { ifInstalled: "upgrade" });
      expect(upgraded.sha256).toBe(await sha256(changed));
      expect(upgraded.sha256).not.toBe(first.sha256);
      expect(engine.list().map((p) => p.name)).toEqual(["ok"]);
      expect((await engine.call("ok", "echo", "after")).text()).toBe("after");
      expect(engine.events.recent().filter((event) => event.seq > seq).map((event) => event.topic)).toEqual(["plugin.unloaded", "plugin.installed"]);
      await engine.close();
    });

    withBytes("ifInstalled: upgrade with a broken build (not wasm, another hash) is refused and the installed plugin keeps serving", async () => {
      const engine = await createEngine();
      const parts = await fixture(env, "ok");
      const first = await engine.install(parts);
      const { hash: _unchecked, ...noHash } = parts.manifest as Record<string, unknown>;
      const notWasm = new TextEncoder().encode("not a wasm module at all");
      await expectCode(engine.install({ ...parts, manifest: noHash, wasm: notWasm }, { ifInstalled: "upgrade" }), "wasm_invalid");
      const changed = new Uint8Array([...(parts.wasm as Uint8Array), 0, 5, 4, ...new TextEncoder().encode("test")]);
      await expectCode(engine.install({ ...parts, manifest: { ...noHash, hash: first.sha256 }, wasm: changed }, { ifInstalled: "upgrade" }), "hash_mismatch");
      expect(engine.get("ok")?.sha256).toBe(first.sha256);
      expect((await engine.call("ok", "echo", "still here")).text()).toBe("still here");
      await engine.close();
    });

    // A new build that passes every check and then fails to start: the old build is put back as it was.
    test.each([
      ["its start function traps", "start-traps", "init_failed"],
      ["init_plugin traps", "init-traps", "init_failed"],
      ["init_plugin reports an error", "init-fails", "init_failed"],
      ["init_plugin returns false", "init-false", "init_failed"],
      ["get_metadata does not match plugin.json", "metadata-mismatch", "metadata_mismatch"],
    ] as const)("ifInstalled: upgrade to a build whose start fails (%s) is refused; the old build serves again with its grants, config, data and install time", async (_case, broken, code) => {
      const engine = await createEngine();
      const first = await engine.install(await fixture(env, "host-kv"), { grant: ["kv"], config: { mode: "v1" } });
      await engine.call("host-kv", "set", { key: "schema", value: 1 });
      engine.setLogLevel("host-kv", "debug");
      const seq = engine.events.recent({ limit: 1 })[0]?.seq ?? -1;
      const error = await expectCode(engine.install(await fixture(env, broken, { name: "host-kv", version: "2.0.0" }), { ifInstalled: "upgrade" }), code);
      expect(error.message).toMatch(/^\[threadspace\] \[plugin host-kv\] upgrade to version 2\.0\.0 was refused: .+\. Version 1\.0\.0 keeps serving, with its grants, config and data/);
      expect(error.cause).toMatchObject({ code });
      expect(engine.get("host-kv")).toMatchObject({ version: "1.0.0", state: "ready", sha256: first.sha256, installedAt: first.installedAt, granted: ["kv"] });
      expect(engine.config.overrides("host-kv")).toEqual({ mode: "v1" });
      expect(engine.logLevel("host-kv")).toBe("debug");
      // Its log is the one it had, with the refusal noted by the engine.
      const notes = engine.logs("host-kv", { level: "warn" }).filter((entry) => entry.source === "engine");
      expect(notes.map((entry) => entry.message)).toEqual([expect.stringMatching(/^upgrade to version 2\.0\.0 was refused: .+ Version 1\.0\.0 keeps serving/)]);
      expect((await engine.call("host-kv", "get", { key: "schema" })).json()).toEqual({ ok: 1 });
      // What the embedder saw: the old build stopped, then started again (no install of the new one).
      const lifecycle = engine.events.recent().filter((event) => event.seq > seq && event.topic.startsWith("plugin."));
      expect(lifecycle.map((event) => [event.topic, event.payload])).toEqual([
        ["plugin.unloaded", { name: "host-kv" }],
        ["plugin.loaded", { name: "host-kv", version: "1.0.0" }],
      ]);
      await engine.close();
    });

    test("ifInstalled: upgrade to a build that migrates data in init_plugin and then fails to start keeps none of it; started right, the migration is kept", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "host-kv"), { grant: ["kv"] });
      await engine.call("host-kv", "set", { key: "schema", value: 1 });
      const migrated = () => engine.events.recent().filter((event) => event.topic === "migration.done");
      // Its get_metadata says 2.0.0: installed as 2.1.0 it fails after init_plugin wrote and emitted.
      const lying = await fixture(env, "upgrade-migrates", { name: "host-kv", version: "2.1.0" });
      await expectCode(engine.install(lying, { ifInstalled: "upgrade", grant: ["kv", "event:emit"] }), "metadata_mismatch");
      expect(engine.kv("host-kv").get("schema")).toBe(1);
      expect(migrated()).toEqual([]);
      expect(engine.get("host-kv")).toMatchObject({ version: "1.0.0", granted: ["kv"] });
      const honest = await fixture(env, "upgrade-migrates", { name: "host-kv" });
      expect(await engine.install(honest, { ifInstalled: "upgrade", grant: ["kv", "event:emit"] })).toMatchObject({ version: "2.0.0", state: "ready" });
      expect(engine.kv("host-kv").get("schema")).toBe(2);
      expect(migrated().map((event) => event.payload)).toEqual([{ schema: 2 }]);
      await engine.close();
    });

    test("ifInstalled: upgrade keeps calls: queued ones run on the old build, ones made mid-swap run on whichever build serves after it", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "host-kv"), { grant: ["kv"] });
      await engine.call("host-kv", "set", { key: "schema", value: 1 });
      const midSwap: Array<Promise<unknown>> = [];
      // The hook runs while no build serves the name: the call waits for the swap to settle.
      const unhook = engine.hook("plugin:unload", () => void midSwap.push(engine.call("host-kv", "get", { key: "schema" }).then((result) => result.json())));
      const refused = engine.install(await fixture(env, "init-traps", { name: "host-kv", version: "2.0.0" }), { ifInstalled: "upgrade" });
      const queued = [1, 2, 3].map(() => engine.call("host-kv", "get", { key: "schema" }).then((result) => result.json()));
      await expectCode(refused, "init_failed");
      expect(await Promise.all(queued)).toEqual([{ ok: 1 }, { ok: 1 }, { ok: 1 }]);
      expect(await Promise.all(midSwap)).toEqual([{ ok: 1 }]);
      // Upgraded: the call made mid-swap runs on the new build, after its migration.
      await engine.install(await fixture(env, "upgrade-migrates", { name: "host-kv" }), { ifInstalled: "upgrade", grant: ["kv", "event:emit"] });
      expect(await Promise.all(midSwap)).toEqual([{ ok: 1 }, { ok: 2 }]);
      expect(engine.get("host-kv")?.version).toBe("2.0.0");
      unhook();
      await engine.close();
    });

    test("an uninstalled name leaves nothing behind: its log, event counters and health history are gone, and it comes back fresh", async () => {
      const engine = await createEngine({ logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} }, logLevel: "info" });
      for (const [n, keepData] of [[0, false], [1, true], [2, false]] as const) {
        const name = `gone-${n}`;
        await engine.install(await fixture(env, "subscriber", { name }), { grant: ["event:subscribe"] });
        // lifecycle-log logs from init_plugin and cleanup; its wasm names itself, so it keeps its name.
        await engine.install(await fixture(env, "lifecycle-log"));
        engine.events.emit("bench.tick", { n });
        await waitFor(() => engine.events.stats(name).delivered === 1, "the event to be delivered");
        await engine.call(name, "count");
        expect(engine.logs("lifecycle-log").length).toBeGreaterThan(0);
        for (const each of [name, "lifecycle-log"]) await engine.uninstall(each, { keepData });
        expect(() => engine.logs(name)).toThrow(expect.objectContaining({ code: "plugin_not_found" }));
        expect(() => engine.events.stats(name)).toThrow(expect.objectContaining({ code: "plugin_not_found" }));
        await expectCode(engine.health(name), "plugin_not_found");
        // Back under the same name, installed but not started: nothing of the earlier one shows.
        await engine.install(await fixture(env, "subscriber", { name }), { config: { enabled: false } });
        await engine.install(await fixture(env, "lifecycle-log"), { config: { enabled: false } });
        expect(engine.events.stats(name)).toEqual({ queued: 0, delivered: 0, failed: 0, dropped: 0, denied: 0 });
        expect((await engine.health(name)).engine).toEqual({ calls: 0, errors: 0 });
        expect(engine.logs("lifecycle-log")).toEqual([]);
        // Kept with its data: what the embedder granted this build (workerd's modules have no sha256 to remember it by).
        expect(engine.get(name)?.granted).toEqual(keepData && env.runtime !== "workerd" ? ["event:subscribe"] : []);
        for (const each of [name, "lifecycle-log"]) await engine.uninstall(each, { keepData: false });
      }
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    withBytes("grants the embedder gave come back with keepData and go with keepData: false or engine.data.remove; another build never gets them", async () => {
      const engine = await createEngine({ logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
      const build = await fixture(env, "subscriber", { name: "granted" });
      const granted = async (parts = build) => (await engine.install(parts), engine.get("granted")?.granted);
      await engine.install(build, { grant: ["event:subscribe"] });
      await engine.uninstall("granted");
      expect(await granted()).toEqual(["event:subscribe"]);
      // Another build under the name (another wasm): the policy decides (false: nothing).
      await engine.uninstall("granted");
      expect(await granted(await fixture(env, "plain", { name: "granted", permissions: ["event:subscribe"] }))).toEqual([]);
      await engine.uninstall("granted", { keepData: false });
      expect(await granted()).toEqual([]);
      await engine.uninstall("granted", { keepData: false });
      await engine.install(build, { grant: ["event:subscribe"] });
      await engine.uninstall("granted");
      await engine.data.remove("granted");
      expect(await granted()).toEqual([]);
      await engine.close();
    });

    test("ifInstalled: upgrade of an unloaded plugin to a build that fails to start leaves it installed and unloaded", async () => {
      const engine = await createEngine();
      await engine.install(await fixture(env, "host-kv"), { grant: ["kv"] });
      await engine.call("host-kv", "set", { key: "schema", value: 1 });
      await engine.unload("host-kv");
      const error = await expectCode(engine.install(await fixture(env, "init-traps", { name: "host-kv", version: "2.0.0" }), { ifInstalled: "upgrade" }), "init_failed");
      expect(error.message).toMatch(/Version 1\.0\.0 stays installed, unloaded as it was/);
      expect(engine.get("host-kv")).toMatchObject({ version: "1.0.0", state: "unloaded", granted: ["kv"] });
      await engine.load("host-kv");
      expect((await engine.call("host-kv", "get", { key: "schema" })).json()).toEqual({ ok: 1 });
      await engine.close();
    });
  });
}
