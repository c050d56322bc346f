import { ThreadspaceError } from "@threadspace/errors";
import { fromBase64, toBase64 } from "./base64.ts";
import type { SigningKey } from "./keys.ts";

/** The `format` of signature.json, also the first line of the signed payload. */
export const SIGNATURE_FORMAT = "threadspace-tsp-signature-v1";
/** signature.json is small; anything larger is refused before it is inflated. */
export const MAX_SIGNATURE_BYTES = 16 * 1024;

/** The content of a .tsp's signature.json. */
export interface SignatureFile {
  readonly format: typeof SIGNATURE_FORMAT;
  readonly algorithm: "Ed25519";
  /** `ed25519:<16 hex>`: which key signed (see `keyIdOf`). */
  readonly keyId: string;
  /** The signer's public key (base64 of 32 bytes), so a bundle can be checked before its key is trusted. */
  readonly publicKey: string;
  /** `sha256:<hex>` of plugin.json's exact bytes, as signed. */
  readonly manifest: string;
  /** `sha256:<hex>` of the wasm, as signed (plugin.json's `hash`). */
  readonly wasm: string;
  /** base64 of the 64-byte Ed25519 signature over {@link signaturePayload}. */
  readonly signature: string;
}

/**
 * The bytes that are signed: the format line, then plugin.json's sha256 and the wasm's, one per line.
 *
 * @example
 * signaturePayload("sha256:ab…", "sha256:cd…") // "threadspace-tsp-signature-v1\nmanifest sha256:ab…\nwasm sha256:cd…\n"
 */
export function signaturePayload(manifestHash: string, wasmHash: string): Uint8Array {
  return new TextEncoder().encode(`${SIGNATURE_FORMAT}\nmanifest ${manifestHash}\nwasm ${wasmHash}\n`);
}

/** Signs plugin.json's hash and the wasm's hash with `signer`. */
export async function createSignature(manifestHash: string, wasmHash: string, signer: SigningKey): Promise<SignatureFile> {
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", signer.key, signaturePayload(manifestHash, wasmHash) as Uint8Array<ArrayBuffer>));
  return {
    format: SIGNATURE_FORMAT,
    algorithm: "Ed25519",
    keyId: signer.publicKey.id,
    publicKey: signer.publicKey.base64,
    manifest: manifestHash,
    wasm: wasmHash,
    signature: toBase64(signature),
  };
}

const HASH = /^sha256:[0-9a-f]{64}$/;

function signatureError(what: string, plugin: string): ThreadspaceError {
  return new ThreadspaceError("signature_invalid", `signature.json in the .tsp ${what}. The bundle was damaged or not signed by "threadspace sign"; sign it again.`, { plugin });
}

/** Parses signature.json strictly; throws `signature_invalid` saying which field is wrong. */
export function parseSignatureFile(bytes: Uint8Array, plugin: string): SignatureFile {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw signatureError("is not JSON", plugin);
  }
  return checkSignatureFile(value, plugin);
}

/** Checks parsed signature.json content (e.g. as kept in storage) field by field; throws `signature_invalid`. */
export function checkSignatureFile(value: unknown, plugin: string): SignatureFile {
  const fail = (what: string) => signatureError(what, plugin);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw fail("is not a JSON object");
  const { format, algorithm, manifest, wasm, keyId, publicKey, signature } = value as Record<string, unknown>;
  if (format !== SIGNATURE_FORMAT) throw fail(`has "format" ${JSON.stringify(format)}, not "${SIGNATURE_FORMAT}"`);
  if (algorithm !== "Ed25519") throw fail(`has "algorithm" ${JSON.stringify(algorithm)}; only "Ed25519" is supported`);
  if (typeof manifest !== "string" || !HASH.test(manifest)) throw fail(`has no valid "manifest" (sha256:<64 hex digits>)`);
  if (typeof wasm !== "string" || !HASH.test(wasm)) throw fail(`has no valid "wasm" (sha256:<64 hex digits>)`);
  if (typeof keyId !== "string" || !/^ed25519:[0-9a-f]{16}$/.test(keyId)) throw fail(`has no valid "keyId"`);
  if (typeof publicKey !== "string" || fromBase64(publicKey)?.byteLength !== 32) throw fail(`has no valid "publicKey" (base64 of 32 bytes)`);
  if (typeof signature !== "string" || fromBase64(signature)?.byteLength !== 64) throw fail(`has no valid "signature" (base64 of 64 bytes)`);
  return { format, algorithm, keyId, publicKey, manifest, wasm, signature };
}

/** signature.json's bytes: stable JSON, one field a line. */
export function encodeSignatureFile(file: SignatureFile): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`);
}
