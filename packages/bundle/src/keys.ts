import { ThreadspaceError } from "@threadspace/errors";
import { fromBase64, toBase64, toBase64Url } from "./base64.ts";
import { sha256Hex } from "./sha256.ts";

/**
 * A public key as embedders and the CLI write it: base64 (or base64url) of the 32 raw Ed25519
 * bytes, the raw bytes, or a JWK (`{ kty: "OKP", crv: "Ed25519", x }`).
 */
export type PublicKeyInput = string | Uint8Array | JsonWebKey;

/** A public key ready to verify with, and the id signature.json names it by. */
export interface PublicKey {
  /** `ed25519:` and the first 16 hex digits of the raw key's sha256. */
  readonly id: string;
  /** The 32 raw bytes, as base64. */
  readonly base64: string;
  readonly key: CryptoKey;
}

/** A private key ready to sign with, and its public half. */
export interface SigningKey {
  readonly key: CryptoKey;
  readonly publicKey: PublicKey;
}

const ED25519 = { name: "Ed25519" } as const;

function keyError(message: string): ThreadspaceError {
  return new ThreadspaceError("bad_input", message);
}

/** The id of a raw 32-byte Ed25519 public key: `ed25519:<16 hex digits of its sha256>`. */
export async function keyIdOf(raw: Uint8Array): Promise<string> {
  return `ed25519:${(await sha256Hex(raw)).slice(0, 16)}`;
}

function rawOf(input: PublicKeyInput): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") {
    const bytes = fromBase64(input);
    if (bytes === undefined) throw keyError(`"${input.slice(0, 60)}" is not a public key: give the base64 of the 32 raw Ed25519 bytes (what "threadspace keygen" prints), or a JWK.`);
    return bytes;
  }
  if (input.kty !== "OKP" || input.crv !== "Ed25519" || typeof input.x !== "string") {
    throw keyError(`the JWK is not an Ed25519 public key: it needs "kty": "OKP", "crv": "Ed25519" and "x".`);
  }
  return fromBase64(input.x) ?? new Uint8Array(0);
}

/** Imports a public key given as base64, raw bytes or JWK. Throws `bad_input` when it is not a 32-byte Ed25519 key. */
export async function importPublicKey(input: PublicKeyInput): Promise<PublicKey> {
  const raw = rawOf(input);
  if (raw.byteLength !== 32) throw keyError(`an Ed25519 public key is 32 bytes, this one is ${raw.byteLength}: give the base64 that "threadspace keygen" printed.`);
  const key = await crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, ED25519, true, ["verify"]);
  return { id: await keyIdOf(raw), base64: toBase64(raw), key };
}

/**
 * Imports a private key: an Ed25519 JWK (object or JSON text, with `d` and `x`, as
 * {@link generateSigningKey} writes it). Throws `bad_input` otherwise.
 */
export async function importSigningKey(input: JsonWebKey | string): Promise<SigningKey> {
  let jwk: JsonWebKey;
  if (typeof input === "string") {
    try {
      jwk = JSON.parse(input) as JsonWebKey;
    } catch {
      throw keyError(`the private key is not JSON: give the key file "threadspace keygen" wrote (an Ed25519 JWK).`);
    }
  } else {
    jwk = input;
  }
  if (jwk === null || typeof jwk !== "object" || jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.d !== "string" || typeof jwk.x !== "string") {
    throw keyError(`the private key is not an Ed25519 private JWK ("kty": "OKP", "crv": "Ed25519", "d", "x"): give the key file "threadspace keygen" wrote.`);
  }
  const { kty, crv, d, x } = jwk;
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", { kty, crv, d, x }, ED25519, false, ["sign"]);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `the private key could not be imported (${String(cause)}): give the key file "threadspace keygen" wrote.`, { cause });
  }
  return { key, publicKey: await importPublicKey(x) };
}

/** A new Ed25519 key pair: the private key as a JWK (keep it secret) and the public key as base64. */
export async function generateSigningKey(): Promise<{ privateJwk: JsonWebKey; publicKey: string; keyId: string }> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const exported = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  if (exported.x !== toBase64Url(raw)) throw new Error("exported JWK does not match its public key");
  return { privateJwk: { kty: "OKP", crv: "Ed25519", x: exported.x, d: exported.d } as JsonWebKey, publicKey: toBase64(raw), keyId: await keyIdOf(raw) };
}
