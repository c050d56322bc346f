import { ThreadspaceError } from "@threadspace/errors";
import { fromBase64 } from "./base64.ts";
import { sha256Hex } from "./sha256.ts";
import { importPublicKey, type PublicKey } from "./keys.ts";
import { signaturePayload } from "./signature.ts";
import type { UnpackedBundle } from "./tsp.ts";

/** Which signatures a host accepts. */
export interface TrustPolicy {
  /** Keys whose signatures are trusted (imported with `importPublicKey`). */
  readonly trustedKeys?: readonly PublicKey[] | undefined;
  /** Refuse bundles that are unsigned or signed by a key not in `trustedKeys` (`signature_untrusted`). */
  readonly requireSignature?: boolean | undefined;
}

/** What {@link verifyBundle} found about the signature. */
export type SignatureStatus =
  | { readonly state: "unsigned" }
  /** Valid, by a key in `trustedKeys`. */
  | { readonly state: "trusted"; readonly keyId: string }
  /** Valid for the public key it carries, which is not in `trustedKeys`. */
  | { readonly state: "untrusted"; readonly keyId: string };

/** What was checked, for `threadspace verify` and for `engine.get(name)`. */
export interface BundleCheck {
  readonly name: string;
  readonly version: string;
  /** `sha256:` of plugin.json's bytes. */
  readonly manifestHash: string;
  /** `sha256:` of the wasm, equal to plugin.json's `hash`. */
  readonly wasmHash: string;
  readonly signature: SignatureStatus;
}

async function signerKey(bundle: UnpackedBundle, policy: TrustPolicy, plugin: string): Promise<{ key: PublicKey; trusted: boolean }> {
  const signature = bundle.signature as NonNullable<UnpackedBundle["signature"]>;
  const trusted = policy.trustedKeys?.find((key) => key.id === signature.keyId);
  if (trusted !== undefined) {
    if (trusted.base64 !== signature.publicKey) {
      throw new ThreadspaceError("signature_invalid", `signature.json names trusted key ${signature.keyId} but carries another public key: refused (a forged signature.json).`, { plugin });
    }
    return { key: trusted, trusted: true };
  }
  const embedded = await importPublicKey(signature.publicKey);
  if (embedded.id !== signature.keyId) {
    throw new ThreadspaceError("signature_invalid", `signature.json's "keyId" ${signature.keyId} is not the id of its "publicKey" (${embedded.id}): the file was edited. Sign the bundle again.`, { plugin });
  }
  return { key: embedded, trusted: false };
}

/**
 * Checks an unpacked bundle: the wasm against plugin.json's `hash` (`hash_mismatch`; a bundle
 * without `hash` is `bundle_invalid`), then the signature when there is one: plugin.json and
 * the wasm unchanged since signing and the Ed25519 signature valid (`signature_invalid`), and,
 * under `requireSignature`, signed by a key in `trustedKeys` (`signature_untrusted`).
 */
export async function verifyBundle(bundle: UnpackedBundle, policy: TrustPolicy = {}): Promise<BundleCheck> {
  const { name, version, hash } = bundle.manifestJson;
  const plugin = name;
  const manifestHash = `sha256:${await sha256Hex(bundle.manifest)}`;
  const wasmHash = `sha256:${await sha256Hex(bundle.wasm)}`;
  if (hash === undefined) {
    throw new ThreadspaceError("bundle_invalid", `plugin.json in the .tsp has no "hash", so its wasm is not pinned: refused. Set it ("threadspace hash ${bundle.wasmEntry} --write .") and pack again.`, { plugin });
  }
  if (hash !== wasmHash) {
    throw new ThreadspaceError("hash_mismatch", `the wasm in the .tsp (${bundle.wasmEntry}) does not match plugin.json: "hash" says ${hash} but the wasm is ${wasmHash}. The bundle was changed or damaged; get it again from its publisher.`, { plugin });
  }
  const check = { name, version, manifestHash, wasmHash };
  const { signature } = bundle;
  const keys = policy.trustedKeys ?? [];
  if (signature === undefined) {
    if (policy.requireSignature === true) {
      throw new ThreadspaceError("signature_untrusted", `the .tsp is not signed, and this engine requires a signature by one of its ${keys.length} trusted key(s) (requireSignature). Ask the publisher for a signed bundle ("threadspace sign"), or install it on an engine that does not require signatures.`, { plugin });
    }
    return { ...check, signature: { state: "unsigned" } };
  }
  if (signature.manifest !== manifestHash) {
    throw new ThreadspaceError("signature_invalid", `plugin.json changed after it was signed (signed ${signature.manifest}, now ${manifestHash}): refused. Get the bundle again from its publisher, or sign it again if the change is yours.`, { plugin });
  }
  if (signature.wasm !== wasmHash) {
    throw new ThreadspaceError("signature_invalid", `the wasm changed after it was signed (signed ${signature.wasm}, now ${wasmHash}): refused. Get the bundle again from its publisher, or sign it again if the change is yours.`, { plugin });
  }
  const { key, trusted } = await signerKey(bundle, policy, plugin);
  const valid = await crypto.subtle.verify("Ed25519", key.key, fromBase64(signature.signature) as Uint8Array<ArrayBuffer>, signaturePayload(manifestHash, wasmHash) as Uint8Array<ArrayBuffer>);
  if (!valid) {
    throw new ThreadspaceError("signature_invalid", `the Ed25519 signature in signature.json does not verify with key ${key.id}: the bundle was tampered with or signed wrongly. Refused; get it again from its publisher.`, { plugin });
  }
  if (!trusted && policy.requireSignature === true) {
    const known = keys.map((k) => k.id).join(", ") || "none";
    throw new ThreadspaceError("signature_untrusted", `the .tsp is signed by ${key.id}, which is not among this engine's trusted keys (${known}). If you trust its publisher, add their public key to createEngine({ trustedKeys }); otherwise do not install it.`, { plugin });
  }
  return { ...check, signature: { state: trusted ? "trusted" : "untrusted", keyId: key.id } };
}
