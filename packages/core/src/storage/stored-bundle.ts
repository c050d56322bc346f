import { keptBundle, verifyBundle, type TrustPolicy } from "@threadspace/bundle";
import { ThreadspaceError } from "@threadspace/errors";
import { upgradeBundleRecord, type StoredBundleRecord } from "@threadspace/storage";
import { checkIntegrity } from "../install/integrity.ts";
import { readSource, type SourceBundle } from "../install/read-source.ts";

/**
 * Reads a stored bundle record back into a bundle to install, checking again what install
 * checked: the wasm's sha256 (`hash_mismatch`), and for a plugin installed from a `.tsp` its
 * hash and signature under the engine's current `trust` (`signature_invalid`,
 * `signature_untrusted`), so the status reported is the one found now. Under `requireSignature`
 * a record that kept no signature is refused (`signature_untrusted`): storage is not trusted to
 * vouch for a bundle.
 */
export async function readStoredBundle(name: string, stored: StoredBundleRecord, maxWasmBytes: number, trust: TrustPolicy): Promise<SourceBundle> {
  const record = upgradeBundleRecord(stored);
  await checkIntegrity(record.wasm, record.hash, name);
  const { packed } = record;
  if (packed === undefined) {
    if (trust.requireSignature === true) {
      throw new ThreadspaceError(
        "signature_untrusted",
        `its stored bundle keeps no signature (it was not installed from a signed .tsp, or was stored by an older Threadspace), and this engine requires bundles signed by a trusted key (requireSignature). Uninstall it (engine.uninstall: its data is kept) and install its signed .tsp again.`,
        { plugin: name },
      );
    }
    return readSource({ manifest: record.manifest, wasm: record.wasm }, maxWasmBytes);
  }
  // The plugin starts from the signed plugin.json bytes, not from the re-serialised `manifest`.
  const bundle = await readSource({ manifest: packed.manifest, wasm: record.wasm }, maxWasmBytes);
  if (bundle.manifest.name !== name) {
    throw new ThreadspaceError("bundle_invalid", `its stored bundle's plugin.json names "${bundle.manifest.name}": the record was changed in storage. Uninstall it and install its .tsp again.`, { plugin: name });
  }
  const unpacked = keptBundle({ manifest: packed.manifest, wasm: record.wasm, signature: packed.signature }, `the stored bundle of ${name}`);
  const check = await verifyBundle(unpacked, trust);
  return { ...bundle, signature: check.signature, packed: { manifest: packed.manifest, signature: unpacked.signature } };
}
