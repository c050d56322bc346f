import { grantIdentity } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";
import { BUNDLE_RECORD_VERSION, DELETE, type BundleRecord, type StorageValue, type StorageWrite } from "@threadspace/storage";
import type { SourceBundle } from "../install/read-source.ts";

/** The bundle record of an installed plugin; for a `.tsp`, with plugin.json's exact bytes and signature.json (checked again on load). */
function bundleRecord(bundle: SourceBundle & { wasm: Uint8Array }, sha256: string, modules: StoredModules | undefined): BundleRecord {
  const record = { v: BUNDLE_RECORD_VERSION, manifest: JSON.stringify(bundle.manifest), wasm: bundle.wasm, hash: sha256, installedAt: Date.now(), enabled: true, ...(modules === undefined ? {} : modules) } as const;
  const { packed } = bundle;
  if (packed === undefined) return record;
  const signature = packed.signature === undefined ? {} : { signature: { ...packed.signature } };
  return { ...record, packed: { manifest: packed.manifest, ...signature } };
}

/** The writes that record an installed plugin: its bundle, its grants (by sha256) and its config overrides. */
export function installWrites(bundle: SourceBundle, sha256: string, permissions: readonly PermissionName[], explicit: boolean, overrides: Readonly<Record<string, unknown>>, moduleHashes?: Readonly<Record<string, string>>): StorageWrite[] | undefined {
  if (!(bundle.wasm instanceof Uint8Array)) return undefined;
  const modules = storedModules(bundle, moduleHashes);
  if (modules === null) return undefined;
  const name = bundle.manifest.name;
  return [
    { store: "bundles", key: name, value: bundleRecord(bundle as SourceBundle & { wasm: Uint8Array }, sha256, modules) },
    grantWrite(grantIdentity(name, sha256), permissions, explicit),
    configWrite(name, overrides),
  ];
}

type StoredModules = { readonly modules: Record<string, Uint8Array>; readonly moduleHashes: Record<string, string> };

/** The linked modules to keep with the bundle; `null` when one cannot be kept (a precompiled module, or one whose hash is unknown). */
function storedModules(bundle: SourceBundle, hashes: Readonly<Record<string, string>> | undefined): StoredModules | undefined | null {
  if (bundle.linked === undefined) return undefined;
  const modules: Record<string, Uint8Array> = {};
  const moduleHashes: Record<string, string> = {};
  for (const [name, module] of Object.entries(bundle.linked)) {
    const hash = hashes?.[name];
    if (!(module instanceof Uint8Array) || hash === undefined) return null;
    modules[name] = module;
    moduleHashes[name] = hash;
  }
  return { modules, moduleHashes };
}

/** The grants remembered for a plugin identity (`grantIdentity(name, sha256)`), and whether the embedder gave them itself. */
export function grantWrite(identity: string, permissions: readonly PermissionName[], explicit: boolean): StorageWrite {
  return { store: "grants", key: identity, value: { permissions: [...permissions], explicit } };
}

/** A plugin's config overrides. */
export function configWrite(name: string, overrides: Readonly<Record<string, unknown>>): StorageWrite {
  return { store: "config", key: name, value: { overrides: overrides as { readonly [key: string]: StorageValue } } };
}

/** Forgets an uninstalled plugin's bundle, config and health history (grants by sha256 and its data stay). */
export function uninstallWrites(name: string): StorageWrite[] {
  return [
    { store: "bundles", key: name, value: DELETE },
    { store: "config", key: name, value: DELETE },
    { store: "health", key: name, value: DELETE },
  ];
}
