import { isThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { fromBase64, toBase64Url } from "./base64.ts";
import { generateSigningKey, importPublicKey, importSigningKey, keyIdOf } from "./keys.ts";

async function code(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    return isThreadspaceError(error) ? error.code : String(error);
  }
  return undefined;
}

describe("keys", () => {
  test("a generated key pair: the private JWK imports, its public half matches what was printed", async () => {
    const generated = await generateSigningKey();
    expect(Object.keys(generated.privateJwk).sort()).toEqual(["crv", "d", "kty", "x"]);
    expect(fromBase64(generated.publicKey)?.byteLength).toBe(32);
    expect(generated.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    const signer = await importSigningKey(JSON.stringify(generated.privateJwk));
    expect(signer.publicKey).toMatchObject({ id: generated.keyId, base64: generated.publicKey });
  });

  test("a public key imports from base64, base64url, raw bytes and JWK, all with the same id", async () => {
    const { publicKey } = await generateSigningKey();
    const raw = fromBase64(publicKey) as Uint8Array;
    const forms = [publicKey, toBase64Url(raw), raw, { kty: "OKP", crv: "Ed25519", x: toBase64Url(raw) }];
    const ids = await Promise.all(forms.map(async (form) => (await importPublicKey(form)).id));
    expect(new Set(ids)).toEqual(new Set([await keyIdOf(raw)]));
  });

  test("refuses what is not an Ed25519 key with bad_input", async () => {
    expect(await code(() => importPublicKey("not base64!"))).toBe("bad_input");
    expect(await code(() => importPublicKey(new Uint8Array(31)))).toBe("bad_input");
    expect(await code(() => importPublicKey({ kty: "EC", crv: "P-256", x: "AA" }))).toBe("bad_input");
    expect(await code(() => importSigningKey("{"))).toBe("bad_input");
    const { privateJwk } = await generateSigningKey();
    expect(await code(() => importSigningKey({ kty: "OKP", crv: "Ed25519", x: privateJwk.x as string }))).toBe("bad_input");
    expect(await code(() => importSigningKey({ ...privateJwk, d: "AAAA" }))).toBe("bad_input");
  });
});
