export { sha256Hex } from "./sha256.ts";
export { DEFAULT_MAX_WASM_BYTES, MANIFEST_ENTRY, MAX_README_BYTES, README_ENTRY, SIGNATURE_ENTRY } from "./entries.ts";
export { generateSigningKey, importPublicKey, importSigningKey, keyIdOf, type PublicKey, type PublicKeyInput, type SigningKey } from "./keys.ts";
export { keptBundle, type KeptBundle } from "./kept.ts";
export { MAX_SIGNATURE_BYTES, SIGNATURE_FORMAT, signaturePayload, type SignatureFile } from "./signature.ts";
export { signBundle } from "./sign.ts";
export { maxBundleBytes, packBundle, unpackBundle, type BundleFiles, type UnpackedBundle, type UnpackLimits } from "./tsp.ts";
export { verifyBundle, type BundleCheck, type SignatureStatus, type TrustPolicy } from "./verify.ts";
