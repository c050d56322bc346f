import { ThreadspaceError } from "@threadspace/errors";
import type { PermissionName, PluginManifest } from "@threadspace/manifest";

/**
 * How an embedder decides what a plugin may use: `true` grants everything it asks for, `false`
 * nothing, a list grants those of its requests, a function decides per plugin (sync or async).
 */
export type GrantPolicy =
  | boolean
  | readonly PermissionName[]
  | ((plugin: PluginManifest, requested: readonly PermissionName[]) => boolean | readonly PermissionName[] | Promise<boolean | readonly PermissionName[]>);

/**
 * Resolves the permissions a plugin gets at install: the install's own `grant` when given, else
 * what was granted before to the same binary (same sha256), else the engine's policy. Only
 * permissions the plugin requested in plugin.json can be granted this way.
 */
export async function resolveGrants(
  manifest: PluginManifest,
  installGrant: GrantPolicy | undefined,
  remembered: readonly PermissionName[] | undefined,
  policy: GrantPolicy,
): Promise<PermissionName[]> {
  const requested = manifest.permissions;
  const decide = async (source: GrantPolicy): Promise<boolean | readonly PermissionName[]> => {
    if (typeof source !== "function") return source;
    try {
      return await source(manifest, requested);
    } catch (cause) {
      throw new ThreadspaceError("permission_denied", `the grant policy failed while deciding its permissions: ${String(cause)}`, { plugin: manifest.name, cause });
    }
  };
  const decision = installGrant !== undefined ? await decide(installGrant) : remembered ?? (await decide(policy));
  if (decision === true) return [...requested];
  if (decision === false) return [];
  return requested.filter((permission) => decision.includes(permission));
}
