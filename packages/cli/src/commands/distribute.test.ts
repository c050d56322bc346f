import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { strFromU8, unzipSync, zipSync } from "fflate";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "@threadspace/core/tools";
import { run } from "../cli.ts";
import { captureIo } from "../test-support/capture-io.ts";
import { fixtureManifest, pluginWat, tempDir, watToWasm, writeBundle } from "../test-support/fixtures.ts";

let wasm: Uint8Array;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  wasm = await watToWasm(pluginWat("fixture"));
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await mkdir(join(dir, "fixture"));
  await writeBundle(join(dir, "fixture"), fixtureManifest("fixture", { hash: `sha256:${await sha256Hex(wasm)}` }), wasm);
  await writeFile(join(dir, "fixture", "README.md"), "# fixture\n");
});
afterEach(() => cleanup());

async function cli(...args: string[]) {
  const captured = captureIo({ cwd: dir });
  const code = await run(args, captured.io);
  return { code, out: captured.stdout(), err: captured.stderr() };
}

describe("threadspace keygen", () => {
  it("writes a 0600 private key and a .pub, prints the public key, and never replaces a key", async () => {
    const result = await cli("keygen", "-o", "release.key");
    expect(result.code, result.err).toBe(0);
    const publicKey = result.out.trim();
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect((await stat(join(dir, "release.key"))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, "release.key"), "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect((await readFile(join(dir, "release.key.pub"), "utf8")).trim()).toBe(publicKey);
    expect(result.err).toMatch(/key id ed25519:[0-9a-f]{16}/);
    const again = await cli("keygen", "-o", "release.key");
    expect(again.code).toBe(1);
    expect(again.err).toContain("already exists");
    expect((await readFile(join(dir, "release.key.pub"), "utf8")).trim()).toBe(publicKey);
  });
});

describe("threadspace pack, sign, verify", () => {
  it("packs the modules plugin.json links, and refuses one missing or without a hash", async () => {
    const lib = await watToWasm(`(module (func (export "seven") (result i32) (i32.const 7)))`);
    const hash = `sha256:${await sha256Hex(lib)}`;
    await mkdir(join(dir, "fixture", "lib"));
    await writeFile(join(dir, "fixture", "lib", "seven.wasm"), lib);
    const main = `sha256:${await sha256Hex(wasm)}`;
    await writeBundle(join(dir, "fixture"), fixtureManifest("fixture", { hash: main, modules: { seven: { path: "lib/seven.wasm", hash } } }), wasm);
    const packed = await cli("pack", "fixture", "-o", "fixture.tsp");
    expect(packed.code, packed.err).toBe(0);
    expect(packed.err).toContain("plugin.wasm, lib/seven.wasm");
    const files = unzipSync(new Uint8Array(await readFile(join(dir, "fixture.tsp"))));
    expect(files["lib/seven.wasm"]).toEqual(lib);
    await writeBundle(join(dir, "fixture"), fixtureManifest("fixture", { hash: main, modules: { seven: { path: "lib/seven.wasm" } } }), wasm);
    const unhashed = await cli("pack", "fixture", "-o", "x.tsp");
    expect(unhashed.code).not.toBe(0);
    expect(unhashed.err).toContain(`"modules.seven.hash" to ${hash}`);
    await writeBundle(join(dir, "fixture"), fixtureManifest("fixture", { hash: main, modules: { seven: { path: "lib/gone.wasm", hash } } }), wasm);
    const missing = await cli("pack", "fixture", "-o", "x.tsp");
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("build it first");
  });

  it("packs plugin.json, the wasm and README.md; call and inspect take the .tsp", async () => {
    const packed = await cli("pack", "fixture", "-o", "fixture.tsp");
    expect(packed.code, packed.err).toBe(0);
    expect(packed.err).toContain("✓ packed fixture@1.0.0 into fixture.tsp");
    const files = unzipSync(new Uint8Array(await readFile(join(dir, "fixture.tsp"))));
    expect(Object.keys(files).sort()).toEqual(["README.md", "plugin.json", "plugin.wasm"]);
    expect(files["plugin.wasm"]).toEqual(wasm);
    const called = await cli("call", "fixture.tsp", "echo", "packed");
    expect(called).toMatchObject({ code: 0, out: "packed" });
    const inspected = await cli("inspect", "fixture.tsp", "--json");
    expect(inspected.code, inspected.err).toBe(0);
    const report = JSON.parse(inspected.out);
    expect(report.manifest).toMatchObject({ name: "fixture", path: "fixture.tsp:plugin.json", hashStatus: "match" });
    expect(report.wasm).toMatchObject({ path: "fixture.tsp:plugin.wasm", size: wasm.byteLength });
  });

  it("names the file <name>-<version>.tsp by default", async () => {
    expect((await cli("pack", "fixture")).code).toBe(0);
    expect((await stat(join(dir, "fixture-1.0.0.tsp"))).isFile()).toBe(true);
  });

  it("refuses a bundle whose plugin.json has no hash, saying how to add it", async () => {
    await writeBundle(join(dir, "fixture"), fixtureManifest("fixture"));
    const result = await cli("pack", "fixture");
    expect(result.code).toBe(1);
    expect(result.err).toContain('fixture/plugin.json has no "hash": a packed bundle pins its wasm. Run "threadspace hash fixture/plugin.wasm --write fixture", then pack again.');
  });

  it("pack --sign, then verify with the public key (text or .pub file) prints every check", async () => {
    const publicKey = (await cli("keygen", "-o", "k.key")).out.trim();
    expect((await cli("pack", "fixture", "-o", "signed.tsp", "--sign", "k.key")).code).toBe(0);
    for (const key of [publicKey, "k.key.pub"]) {
      const result = await cli("verify", "signed.tsp", "--key", key);
      expect(result.code, result.err).toBe(0);
      const lines = result.out.trim().split("\n");
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe("✓ signed.tsp: a zip of plugin.json, plugin.wasm, README.md, signature.json; no other or unsafe entries, every size within its cap, CRCs match");
      expect(lines[2]).toContain(`plugin.wasm matches plugin.json "hash": sha256:${await sha256Hex(wasm)}`);
      expect(lines[3]).toMatch(/^✓ Ed25519 signature by ed25519:[0-9a-f]{16} verifies/);
      expect(lines[4]).toMatch(/is one of the keys given with --key$/);
    }
    const anyKey = await cli("verify", "signed.tsp");
    expect(anyKey.code).toBe(0);
    expect(anyKey.out).toContain("was not checked against a key you trust");
  });

  it("verify with another key fails with signature_untrusted; unsigned fails when a key is required", async () => {
    await cli("keygen", "-o", "a.key");
    await cli("keygen", "-o", "b.key");
    await cli("pack", "fixture", "-o", "signed.tsp", "--sign", "a.key");
    const wrong = await cli("verify", "signed.tsp", "--key", "b.key.pub");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/error \[signature_untrusted\] .*signed\.tsp is signed by ed25519:[0-9a-f]{16}, not by a key given with --key/);
    await cli("pack", "fixture", "-o", "plain.tsp");
    expect((await cli("verify", "plain.tsp")).out).toContain("! not signed");
    const required = await cli("verify", "plain.tsp", "--key", "a.key.pub");
    expect(required.code).toBe(1);
    expect(required.err).toContain('plain.tsp is not signed, and --key requires a signature by ed25519:');
  });

  it("sign signs an unsigned .tsp in place; verify catches a wasm swapped afterwards", async () => {
    await cli("keygen", "-o", "k.key");
    await cli("pack", "fixture", "-o", "f.tsp");
    const signed = await cli("sign", "f.tsp", "--key", "k.key");
    expect(signed.code, signed.err).toBe(0);
    expect((await cli("verify", "f.tsp", "--key", "k.key.pub")).code).toBe(0);
    expect((await cli("sign", "f.tsp", "--key", "k.key", "-o", "copy.tsp")).code).toBe(0);
    expect(await readFile(join(dir, "copy.tsp"))).toEqual(await readFile(join(dir, "f.tsp")));
    const files = unzipSync(new Uint8Array(await readFile(join(dir, "f.tsp"))));
    files["plugin.wasm"] = new Uint8Array([...wasm, 0]);
    await writeFile(join(dir, "f.tsp"), zipSync(files));
    const tampered = await cli("verify", "f.tsp", "--key", "k.key.pub");
    expect(tampered.code).toBe(1);
    expect(tampered.err).toContain("error [hash_mismatch]");
    expect((await cli("sign", "f.tsp", "--key", "k.key")).err).toContain("error [hash_mismatch]");
  });

  it("verify refuses an unsafe zip, and sign needs --key", async () => {
    const files = { "plugin.json": await readFile(join(dir, "fixture", "plugin.json")), "plugin.wasm": wasm, "../escape.txt": new TextEncoder().encode("x") };
    await writeFile(join(dir, "evil.tsp"), zipSync(files as Record<string, Uint8Array>));
    const result = await cli("verify", "evil.tsp");
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/error \[bundle_invalid\].*"\.\.\/escape\.txt".*climbs out/);
    expect((await cli("sign", "evil.tsp")).code).toBe(2);
    expect(strFromU8(new Uint8Array(await readFile(join(dir, "evil.tsp"))), true)).toContain("escape.txt");
  });
});
