import { keptBundle, verifyBundle, type TrustPolicy } from "@threadspace/bundle";
import { ThreadspaceError } from "@threadspace/errors";
import { upgradeBundleRecord, type BundleRecord, type StoredBundleRecord } from "@threadspace/storage";
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
  const modules = await storedModules(name, record);
  const { packed } = record;
  if (packed === undefined) {
    if (trust.requireSignature === true) {
      throw new ThreadspaceError(
        "signature_untrusted",
        `its stored bundle keeps no signature (it was not installed from a signed .tsp, or was stored by an older Threadspace), and this engine requires bundles signed by a trusted key (requireSignature). Uninstall it (engine.uninstall: its data is kept) and install its signed .tsp again.`,
        { plugin: name },
      );
    }
    return readSource({ manifest: record.manifest, wasm: record.wasm, ...modules }, maxWasmBytes);
  }
  // The plugin starts from the signed plugin.json bytes, not from the re-serialised `manifest`.
  const bundle = await readSource({ manifest: packed.manifest, wasm: record.wasm, ...modules }, maxWasmBytes);
  if (bundle.manifest.name !== name) {
    throw new ThreadspaceError("bundle_invalid", `its stored bundle's plugin.json names "${bundle.manifest.name}": the record was changed in storage. Uninstall it and install its .tsp again.`, { plugin: name });
  }
  const unpacked = keptBundle({ manifest: packed.manifest, wasm: record.wasm, signature: packed.signature }, `the stored bundle of ${name}`);
  const check = await verifyBundle(unpacked, trust);
  return { ...bundle, signature: check.signature, packed: { manifest: packed.manifest, signature: unpacked.signature } };
}

/** The linked modules kept with a record, each checked against the sha256 install computed (plugin.json's `hash`, when it has one, is checked again at install). */
async function storedModules(name: string, record: BundleRecord): Promise<{ modules: Record<string, Uint8Array> } | undefined> {
  if (record.modules === undefined) return undefined;
  for (const [module, bytes] of Object.entries(record.modules)) {
    const hash = record.moduleHashes?.[module];
    if (hash === undefined) throw new ThreadspaceError("storage_unavailable", `its stored linked module "${module}" has no recorded hash: the record was changed in storage. Uninstall it and install it again.`, { plugin: name });
    await checkIntegrity(bytes, hash, `${name} (linked module "${module}")`);
  }
  return { modules: { ...record.modules } };
}
