import { grantIdentity, type PermissionTable } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";

/**
 * Loads stored grants into the permission table. Records keyed by identity (`name@sha256:…`)
 * are taken as stored; a record of an older engine, keyed by the bare sha256, is bound to the
 * stored bundle(s) with that hash (the plugins the embedder installed), never to a newcomer
 * reusing the wasm under another name. Grants a policy decided (`explicit: false`) are skipped:
 * they are never reused (the policy decides again at install), so an uninstalled plugin's would
 * only take memory.
 */
export function rememberGrants(
  table: PermissionTable,
  grants: ReadonlyMap<string, { readonly permissions: readonly PermissionName[]; readonly explicit?: boolean }>,
  bundles: ReadonlyMap<string, { readonly hash: string }>,
): void {
  for (const [key, record] of grants) {
    if (key.includes("@")) {
      if (record.explicit === true) table.remember(key, record.permissions, true);
      continue;
    }
    for (const [name, bundle] of bundles) if (bundle.hash === key) table.remember(grantIdentity(name, key), record.permissions, true);
  }
}
