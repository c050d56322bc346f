import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { isThreadspaceError, type ThreadspaceError, type ThreadspaceErrorCode } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { generateSigningKey, importPublicKey, importSigningKey } from "./keys.ts";
import { sha256Hex } from "./sha256.ts";
import { signBundle } from "./sign.ts";
import { manifestFor, WASM } from "./test-bundle.test-support.ts";
import { keptBundle } from "./kept.ts";
import { packBundle, unpackBundle } from "./tsp.ts";
import { verifyBundle, type TrustPolicy } from "./verify.ts";

async function rejection(run: () => unknown, code: ThreadspaceErrorCode): Promise<ThreadspaceError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  if (!isThreadspaceError(caught)) throw new Error(`expected a ThreadspaceError ${code}, got ${String(caught)}`);
  expect(caught.code, caught.message).toBe(code);
  return caught;
}

async function keyPair() {
  const generated = await generateSigningKey();
  return { signer: await importSigningKey(generated.privateJwk), publicKey: await importPublicKey(generated.publicKey), generated };
}

const open = (tsp: Uint8Array, policy: TrustPolicy = {}) => verifyBundle(unpackBundle(tsp), policy);

/** Rewrites a .tsp's entries (a tampering publisher or a man in the middle). */
function rezip(tsp: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(tsp);
  edit(files);
  return zipSync(files);
}

describe("pack and unpack", () => {
  test("round trip: the same bytes come out, packing is reproducible, unsigned is reported", async () => {
    const manifest = await manifestFor(WASM);
    const readme = strToU8("# demo\n");
    const tsp = await packBundle({ manifest, wasm: WASM, readme });
    expect(await packBundle({ manifest, wasm: WASM, readme })).toEqual(tsp);
    const bundle = unpackBundle(tsp);
    expect(bundle.manifest).toEqual(manifest);
    expect(bundle.wasm).toEqual(WASM);
    expect(bundle.readme).toEqual(readme);
    expect(bundle.wasmEntry).toBe("plugin.wasm");
    expect(Object.keys(unzipSync(tsp)).sort()).toEqual(["README.md", "plugin.json", "plugin.wasm"]);
    const check = await verifyBundle(bundle);
    expect(check).toMatchObject({ name: "demo", version: "1.0.0", signature: { state: "unsigned" } });
    expect(check.wasmHash).toBe(JSON.parse(strFromU8(manifest)).hash);
  });

  test("keeps the wasm under its main path", async () => {
    const tsp = await packBundle({ manifest: await manifestFor(WASM, { main: "./build/demo.wasm" }), wasm: WASM });
    expect(Object.keys(unzipSync(tsp)).sort()).toEqual(["build/demo.wasm", "plugin.json"]);
    expect(unpackBundle(tsp).wasm).toEqual(WASM);
  });

  test("refuses to pack without a hash, or with one that does not match", async () => {
    const unpinned = strToU8(JSON.stringify({ name: "demo", version: "1.0.0" }));
    expect((await rejection(() => packBundle({ manifest: unpinned, wasm: WASM }), "bundle_invalid")).message).toContain("threadspace hash");
    const other = await manifestFor(new Uint8Array([1, 2, 3]));
    await rejection(() => packBundle({ manifest: other, wasm: WASM }), "hash_mismatch");
  });
});

describe("signatures", () => {
  test("signed by a trusted key: trusted; by a key not in trustedKeys: untrusted unless required", async () => {
    const { signer, publicKey } = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer });
    expect(Object.keys(unzipSync(tsp)).sort()).toEqual(["plugin.json", "plugin.wasm", "signature.json"]);
    expect((await open(tsp, { trustedKeys: [publicKey], requireSignature: true })).signature).toEqual({ state: "trusted", keyId: publicKey.id });
    expect((await open(tsp)).signature).toEqual({ state: "untrusted", keyId: publicKey.id });
    const other = await keyPair();
    const error = await rejection(() => open(tsp, { trustedKeys: [other.publicKey], requireSignature: true }), "signature_untrusted");
    expect(error.message).toContain(publicKey.id);
    expect(error.message).toContain("trustedKeys");
  });

  test("signBundle signs an unsigned .tsp and replaces an older signature", async () => {
    const first = await keyPair();
    const second = await keyPair();
    const unsigned = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM });
    const signed = await signBundle(unsigned, first.signer);
    expect((await open(signed, { trustedKeys: [first.publicKey] })).signature.state).toBe("trusted");
    const resigned = await signBundle(signed, second.signer);
    expect((await open(resigned, { trustedKeys: [second.publicKey] })).signature).toEqual({ state: "trusted", keyId: second.publicKey.id });
  });

  test("unsigned under requireSignature: signature_untrusted saying what to do", async () => {
    const { publicKey } = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM });
    const error = await rejection(() => open(tsp, { trustedKeys: [publicKey], requireSignature: true }), "signature_untrusted");
    expect(error.message).toMatch(/not signed.*threadspace sign/);
  });

  test("tampered wasm: hash_mismatch, signed or not", async () => {
    const { signer, publicKey } = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer });
    const tampered = rezip(tsp, (files) => {
      files["plugin.wasm"] = new Uint8Array([...WASM, 0]);
    });
    await rejection(() => open(tampered, { trustedKeys: [publicKey] }), "hash_mismatch");
  });

  test("tampered plugin.json, even with a hash matching a swapped wasm: signature_invalid", async () => {
    const { signer, publicKey } = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer });
    const evil = new Uint8Array([...WASM, 1]);
    const evilManifest = await manifestFor(evil);
    const swapped = rezip(tsp, (files) => {
      files["plugin.wasm"] = evil;
      files["plugin.json"] = evilManifest;
    });
    expect((await rejection(() => open(swapped, { trustedKeys: [publicKey] }), "signature_invalid")).message).toContain("plugin.json changed after it was signed");
    const permissions = rezip(tsp, (files) => {
      files["plugin.json"] = strToU8(strFromU8(files["plugin.json"] as Uint8Array).replace('"description"', '"permissions": ["kv"], "description"'));
    });
    expect((await rejection(() => open(permissions), "signature_invalid")).message).toContain("plugin.json changed after it was signed");
  });

  test("a signature.json rewritten to the new hashes does not verify", async () => {
    const { signer, publicKey } = await keyPair();
    const manifest = await manifestFor(WASM);
    const tsp = await packBundle({ manifest, wasm: WASM }, { signer });
    const changed = strToU8(strFromU8(manifest).replace('"a demo"', '"a changed demo"'));
    const forged = rezip(tsp, (files) => {
      files["plugin.json"] = changed;
    });
    const bundle = unpackBundle(forged);
    const withNewHash = { ...bundle, signature: { ...(bundle.signature as NonNullable<typeof bundle.signature>), manifest: `sha256:${await sha256Hex(changed)}` } };
    const error = await rejection(() => verifyBundle(withNewHash, { trustedKeys: [publicKey] }), "signature_invalid");
    expect(error.message).toContain("does not verify");
  });

  test("wrong key: a signature.json claiming a trusted key id with another key is refused", async () => {
    const trusted = await keyPair();
    const attacker = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer: attacker.signer });
    const claimed = rezip(tsp, (files) => {
      const signature = JSON.parse(strFromU8(files["signature.json"] as Uint8Array));
      files["signature.json"] = strToU8(JSON.stringify({ ...signature, keyId: trusted.publicKey.id }));
    });
    await rejection(() => open(claimed, { trustedKeys: [trusted.publicKey], requireSignature: true }), "signature_invalid");
    const mislabelled = rezip(tsp, (files) => {
      const signature = JSON.parse(strFromU8(files["signature.json"] as Uint8Array));
      files["signature.json"] = strToU8(JSON.stringify({ ...signature, keyId: trusted.publicKey.id, publicKey: trusted.publicKey.base64 }));
    });
    const error = await rejection(() => open(mislabelled, { trustedKeys: [trusted.publicKey], requireSignature: true }), "signature_invalid");
    expect(error.message).toContain("does not verify");
  });

  test("a damaged signature.json is signature_invalid naming the field", async () => {
    const { signer } = await keyPair();
    const tsp = await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer });
    const damaged = rezip(tsp, (files) => {
      const signature = JSON.parse(strFromU8(files["signature.json"] as Uint8Array));
      files["signature.json"] = strToU8(JSON.stringify({ ...signature, signature: "AAAA" }));
    });
    expect((await rejection(() => unpackBundle(damaged), "signature_invalid")).message).toContain('"signature"');
  });
});

describe("strict unpacking", () => {
  const base = async () => ({ "plugin.json": await manifestFor(WASM), "plugin.wasm": WASM });

  test.each([
    ["../evil.wasm", "climbs out"],
    ["/etc/passwd", "absolute"],
    ["C:/evil", "absolute"],
    ["dir\\..\\evil", "backslash"],
    ["a//b", "empty"],
  ])("refuses the entry %j (%s)", async (name, words) => {
    const tsp = zipSync({ ...(await base()), [name]: strToU8("x") });
    const error = await rejection(() => unpackBundle(tsp), "bundle_invalid");
    expect(error.message).toContain(words);
  });

  test("refuses entries other than plugin.json, the wasm, README.md and signature.json", async () => {
    const tsp = zipSync({ ...(await base()), "notes.txt": strToU8("x") });
    expect((await rejection(() => unpackBundle(tsp), "bundle_invalid")).message).toContain('unexpected entry "notes.txt"');
  });

  test("refuses a missing plugin.json, a missing wasm, and bytes that are not a zip", async () => {
    const files = await base();
    await rejection(() => unpackBundle(zipSync({ "plugin.wasm": WASM })), "bundle_invalid");
    expect((await rejection(() => unpackBundle(zipSync({ "plugin.json": files["plugin.json"] })), "bundle_invalid")).message).toContain('no "plugin.wasm"');
    expect((await rejection(() => unpackBundle(WASM.subarray(0, 8)), "bundle_invalid")).message).toContain("too short");
    expect((await rejection(() => unpackBundle(new Uint8Array(100)), "bundle_invalid")).message).toContain("not a zip");
  });

  test("refuses two entries of the same name", async () => {
    const tsp = zipSync({ ...(await base()), "plugin.jsoX": strToU8("{}") });
    const text = strFromU8(tsp, true).replaceAll("plugin.jsoX", "plugin.json");
    const duplicated = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect((await rejection(() => unpackBundle(duplicated), "bundle_invalid")).message).toContain('two entries named "plugin.json"');
  });

  test("refuses a wasm over maxWasmBytes by its declared size, and a file over the bundle cap", async () => {
    const tsp = zipSync(await base());
    expect((await rejection(() => unpackBundle(tsp, { maxWasmBytes: 10 }), "bundle_invalid")).message).toContain("maxWasmBytes");
    const big = new Uint8Array(2 * 1024 * 1024);
    crypto.getRandomValues(big.subarray(0, 65536));
    const huge = zipSync({ ...(await base()), "plugin.wasm": big }, { level: 0 });
    expect((await rejection(() => unpackBundle(huge, { maxWasmBytes: 1024 }), "bundle_invalid")).message).toMatch(/is \d+ bytes, more than/);
  });

  test("refuses by the total uncompressed size before inflating anything", async () => {
    const mib = new Uint8Array(1024 * 1024);
    const tsp = zipSync({ ...(await base()), "a.wasm": mib, "b.wasm": mib, "README.md": mib }, { level: 9 });
    expect(tsp.byteLength).toBeLessThan(64 * 1024);
    expect((await rejection(() => unpackBundle(tsp, { maxWasmBytes: 1024 * 1024 }), "bundle_invalid")).message).toContain("before inflating");
  });

  test("a zip bomb lying about its size is stopped while inflating", async () => {
    const bomb = new Uint8Array(8 * 1024 * 1024);
    const tsp = zipSync({ "plugin.json": await manifestFor(WASM), "plugin.wasm": bomb }, { level: 9 });
    // Declare the wasm as 16 bytes in the central directory (the size the reader caps its output at).
    const view = new DataView(tsp.buffer, tsp.byteOffset, tsp.byteLength);
    let at = -1;
    for (let i = 0; i < tsp.byteLength - 57; i++) {
      if (view.getUint32(i, true) === 0x02014b50 && strFromU8(tsp.subarray(i + 46, i + 57)) === "plugin.wasm") at = i;
    }
    expect(at).toBeGreaterThan(0);
    view.setUint32(at + 24, 16, true);
    expect((await rejection(() => unpackBundle(tsp), "bundle_invalid")).message).toContain("inflates to more than the 16 bytes");
  });

  test("a damaged entry fails its CRC", async () => {
    const tsp = zipSync(await base(), { level: 0 });
    const at = strFromU8(tsp, true).indexOf("not compiled here");
    tsp[at] = (tsp[at] as number) ^ 0xff;
    expect((await rejection(() => unpackBundle(tsp), "bundle_invalid")).message).toContain("CRC-32");
  });
});

describe("kept bundles", () => {
  test("the parts kept of a signed .tsp verify again; a changed part or a damaged signature does not", async () => {
    const { signer, publicKey } = await keyPair();
    const unpacked = unpackBundle(await packBundle({ manifest: await manifestFor(WASM), wasm: WASM }, { signer }));
    const kept = { manifest: unpacked.manifest, wasm: unpacked.wasm, signature: JSON.parse(JSON.stringify(unpacked.signature)) as unknown };
    const policy = { trustedKeys: [publicKey], requireSignature: true };
    expect((await verifyBundle(keptBundle(kept, "storage"), policy)).signature).toEqual({ state: "trusted", keyId: publicKey.id });
    await rejection(() => verifyBundle(keptBundle({ ...kept, signature: undefined }), policy), "signature_untrusted");
    const edited = strToU8(strFromU8(kept.manifest).replace(/\n/, "\n "));
    await rejection(() => verifyBundle(keptBundle({ ...kept, manifest: edited }), policy), "signature_invalid");
    await rejection(() => keptBundle({ ...kept, signature: { ...(kept.signature as object), keyId: "x" } }), "signature_invalid");
  });
});
