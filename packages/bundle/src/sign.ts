import type { SigningKey } from "./keys.ts";
import { packBundle, unpackBundle, type UnpackLimits } from "./tsp.ts";
import { verifyBundle } from "./verify.ts";

/**
 * Signs `.tsp` bytes (replacing any signature): unpacks it, checks the wasm against plugin.json's
 * `hash`, and packs it again with a signature.json by `signer`. An existing signature that does
 * not verify is refused (`signature_invalid`): re-signing never hides tampering.
 */
export async function signBundle(tsp: Uint8Array, signer: SigningKey, options: UnpackLimits = {}): Promise<Uint8Array> {
  const bundle = unpackBundle(tsp, options);
  await verifyBundle(bundle);
  return packBundle(bundle, { signer });
}
