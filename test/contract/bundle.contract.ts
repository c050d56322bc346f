import { createEngine } from "@threadspace/core";
import { generateSigningKey, importSigningKey, packBundle, type SigningKey } from "@threadspace/bundle";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { describe, expect, test } from "vitest";
import { expectCode } from "./expect-error.ts";
import { bytesOf, packable, sha256 } from "./fixture-source.ts";
import type { TestEnv } from "./test-env.ts";

/** The "ok" fixture as plugin.json bytes (with its hash) and wasm bytes. */
function okFiles(env: TestEnv, fields: Record<string, unknown> = {}): Promise<{ manifest: Uint8Array; wasm: Uint8Array }> {
  return packable(env, "ok", fields);
}

async function newKey(): Promise<{ signer: SigningKey; publicKey: string }> {
  const generated = await generateSigningKey();
  return { signer: await importSigningKey(generated.privateJwk), publicKey: generated.publicKey };
}

function rezip(tsp: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(tsp);
  edit(files);
  return zipSync(files);
}

/** Installing packed .tsp bundles: bytes and Blobs, hash and signature checks, the trust policy. */
export function bundleContract(env: TestEnv): void {
  // A .tsp carries wasm bytes, which workerd does not compile (installing them is source_invalid
  // there, test/edge/engine.test.ts): cases that install one are skipped there; refusals, made
  // before compiling, run.
  const installs = test.skipIf(env.runtime === "workerd");
  describe("install a .tsp", () => {
    installs("round trip: packed bytes, an ArrayBuffer and a File install and serve calls; unsigned is reported", async () => {
      const tsp = await packBundle(await okFiles(env), {});
      const engine = await createEngine();
      const sources = [tsp, tsp.slice().buffer, new File([tsp as Uint8Array<ArrayBuffer>], "ok.tsp")];
      const origins = [];
      for (const source of sources) {
        const info = await engine.install(source);
        expect(info).toMatchObject({ name: "ok", state: "ready", signature: { state: "unsigned" }, sha256: await sha256(bytesOf(await env.fixtureWasm("ok"))) });
        expect((await engine.call("ok", "echo", "packed")).text()).toBe("packed");
        origins.push(info.origin);
        await engine.uninstall("ok");
      }
      expect(origins).toEqual([".tsp bytes passed to install()", ".tsp bytes passed to install()", "ok.tsp (a .tsp Blob)"]);
      await engine.close();
    });

    installs("signed by a trusted key: installed under requireSignature, the key id reported", async () => {
      const { signer, publicKey } = await newKey();
      const engine = await createEngine({ trustedKeys: [publicKey] });
      const info = await engine.install(await packBundle(await okFiles(env), { signer }));
      expect(info.signature).toEqual({ state: "trusted", keyId: signer.publicKey.id });
      expect((await engine.call("ok", "echo", "signed")).text()).toBe("signed");
      await engine.close();
    });

    installs("signed by another key: untrusted but installed when signatures are not required", async () => {
      const { signer } = await newKey();
      const engine = await createEngine();
      expect((await engine.install(await packBundle(await okFiles(env), { signer }))).signature).toEqual({ state: "untrusted", keyId: signer.publicKey.id });
      await engine.close();
    });

    test("tampered wasm: hash_mismatch, nothing installed", async () => {
      const { signer, publicKey } = await newKey();
      const tsp = await packBundle(await okFiles(env), { signer });
      const tampered = rezip(tsp, (files) => {
        const wasm = files["plugin.wasm"] as Uint8Array;
        files["plugin.wasm"] = new Uint8Array([...wasm, 0, 0]);
      });
      const engine = await createEngine({ trustedKeys: [publicKey] });
      const error = await expectCode(engine.install(tampered), "hash_mismatch");
      expect(error.plugin).toBe("ok");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("tampered plugin.json (a permission added): signature_invalid, even when signatures are not required", async () => {
      const { signer, publicKey } = await newKey();
      const tsp = await packBundle(await okFiles(env), { signer });
      const tampered = rezip(tsp, (files) => {
        const manifest = JSON.parse(strFromU8(files["plugin.json"] as Uint8Array));
        files["plugin.json"] = strToU8(JSON.stringify({ ...manifest, permissions: ["kv"] }));
      });
      for (const options of [{ trustedKeys: [publicKey] }, {}]) {
        const engine = await createEngine(options);
        const error = await expectCode(engine.install(tampered), "signature_invalid");
        expect(error.message).toContain("plugin.json changed after it was signed");
        expect(engine.list()).toEqual([]);
        await engine.close();
      }
    });

    test("wrong key under requireSignature: signature_untrusted naming the signer and what to do", async () => {
      const trusted = await newKey();
      const other = await newKey();
      const engine = await createEngine({ trustedKeys: [trusted.publicKey] });
      const error = await expectCode(engine.install(await packBundle(await okFiles(env), { signer: other.signer })), "signature_untrusted");
      expect(error.message).toContain(other.signer.publicKey.id);
      expect(error.message).toContain("trustedKeys");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    test("under requireSignature, unsigned bundles and unpacked sources are refused", async () => {
      const { publicKey } = await newKey();
      const engine = await createEngine({ trustedKeys: [publicKey], requireSignature: true });
      const files = await okFiles(env);
      expect((await expectCode(engine.install(await packBundle(files)), "signature_untrusted")).message).toMatch(/not signed.*threadspace sign/);
      expect((await expectCode(engine.install({ manifest: files.manifest, wasm: files.wasm }), "signature_untrusted")).message).toContain("threadspace pack --sign");
      await expectCode(engine.install(env.exampleSource("hello")), "signature_untrusted");
      expect(engine.list()).toEqual([]);
      await engine.close();
    });

    installs("requireSignature: false with trustedKeys still installs unsigned bundles", async () => {
      const { publicKey } = await newKey();
      const engine = await createEngine({ trustedKeys: [publicKey], requireSignature: false });
      expect((await engine.install(await packBundle(await okFiles(env)))).signature).toEqual({ state: "unsigned" });
      await engine.close();
    });

    test("a trusted key that is not a key: createEngine fails with bad_input", async () => {
      await expectCode(createEngine({ trustedKeys: ["bm90IGEga2V5"] }), "bad_input");
    });

    test("unsafe or oversize zips: bundle_invalid", async () => {
      const files = await okFiles(env);
      const [engine, small] = await Promise.all([createEngine(), createEngine({ maxWasmBytes: 64 })]);
      const traversal = zipSync({ "plugin.json": files.manifest, "plugin.wasm": files.wasm, "../../escape.wasm": files.wasm });
      expect((await expectCode(engine.install(traversal), "bundle_invalid")).message).toContain("climbs out");
      await expectCode(engine.install(new Uint8Array([1, 2, 3])), "bundle_invalid");
      const packed = zipSync({ "plugin.json": files.manifest, "plugin.wasm": files.wasm });
      expect((await expectCode(small.install(packed), "bundle_invalid")).message).toContain("maxWasmBytes");
      expect([...engine.list(), ...small.list()]).toEqual([]);
      await Promise.all([engine.close(), small.close()]);
    });
  });
}
