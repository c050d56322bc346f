import type { PermissionName } from "@threadspace/manifest";
import { DELETE, type StorageValue, type StorageWrite } from "@threadspace/storage";
import type { SourceBundle } from "../install/read-source.ts";

/** The writes that record an installed plugin: its bundle, its grants (by sha256) and its config overrides. */
export function installWrites(bundle: SourceBundle, sha256: string, permissions: readonly PermissionName[], overrides: Readonly<Record<string, unknown>>): StorageWrite[] | undefined {
  if (!(bundle.wasm instanceof Uint8Array)) return undefined;
  const name = bundle.manifest.name;
  return [
    { store: "bundles", key: name, value: { manifest: JSON.stringify(bundle.manifest), wasm: bundle.wasm, hash: sha256, installedAt: Date.now(), enabled: true } },
    grantWrite(sha256, permissions),
    configWrite(name, overrides),
  ];
}

/** The grants remembered for a binary. */
export function grantWrite(sha256: string, permissions: readonly PermissionName[]): StorageWrite {
  return { store: "grants", key: sha256, value: { permissions: [...permissions] } };
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
