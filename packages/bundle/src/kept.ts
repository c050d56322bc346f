import { ThreadspaceError } from "@threadspace/errors";
import { parseManifest } from "@threadspace/manifest";
import { wasmEntryName } from "./entries.ts";
import { checkSignatureFile } from "./signature.ts";
import type { UnpackedBundle } from "./tsp.ts";

/**
 * What a host keeps of a `.tsp` to check it again later (after a restart): plugin.json's exact
 * bytes (the signature covers their sha256, so a re-serialised manifest would not do), the wasm,
 * and signature.json's content when it was signed.
 */
export interface KeptBundle {
  readonly manifest: Uint8Array;
  readonly wasm: Uint8Array;
  /** signature.json as parsed JSON; undefined for an unsigned bundle. */
  readonly signature?: unknown;
}

/**
 * Rebuilds an {@link UnpackedBundle} from kept parts for `verifyBundle`, validating plugin.json
 * (`manifest_invalid`) and the signature's fields (`signature_invalid`) as `unpackBundle` does.
 *
 * @example
 * const check = await verifyBundle(keptBundle({ manifest, wasm, signature }, "storage"), { trustedKeys, requireSignature: true });
 */
export function keptBundle(kept: KeptBundle, origin = "the kept bundle"): UnpackedBundle {
  if (!(kept.manifest instanceof Uint8Array) || !(kept.wasm instanceof Uint8Array)) {
    throw new ThreadspaceError("bundle_invalid", `${origin} has no plugin.json bytes or no wasm bytes: refused.`);
  }
  const manifestJson = parseManifest(kept.manifest, { source: `plugin.json in ${origin}` });
  return {
    manifest: kept.manifest,
    manifestJson,
    wasm: kept.wasm,
    wasmEntry: wasmEntryName(manifestJson.main),
    signature: kept.signature === undefined ? undefined : checkSignatureFile(kept.signature, manifestJson.name),
  };
}
