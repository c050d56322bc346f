import { ThreadspaceError } from "@threadspace/errors";
import type { RememberedGrants } from "@threadspace/host";
import type { PermissionName, PluginManifest } from "@threadspace/manifest";

/**
 * How an embedder decides what a plugin may use: `true` grants everything it asks for, `false`
 * nothing, a list grants those of its requests, a function decides per plugin (sync or async).
 */
export type GrantPolicy =
  | boolean
  | readonly PermissionName[]
  | ((plugin: PluginManifest, requested: readonly PermissionName[]) => boolean | readonly PermissionName[] | Promise<boolean | readonly PermissionName[]>);

/** What {@link resolveGrants} decided, and whether the embedder decided it itself. */
export interface ResolvedGrants {
  readonly granted: PermissionName[];
  readonly explicit: boolean;
}

/**
 * Resolves the permissions a plugin gets at install: the install's own `grant` when given, else
 * what the embedder itself granted before to the same plugin identity (name and sha256), else
 * the engine's policy. Grants an earlier policy decided are never reused: the current policy
 * decides again, so remembered grants never override the embedder's policy (`grant: false`
 * grants nothing the embedder did not grant itself). Only permissions the plugin requested in
 * plugin.json can be granted this way.
 */
export async function resolveGrants(
  manifest: PluginManifest,
  installGrant: GrantPolicy | undefined,
  remembered: RememberedGrants | undefined,
  policy: GrantPolicy,
): Promise<ResolvedGrants> {
  const requested = manifest.permissions;
  const decide = async (source: GrantPolicy): Promise<boolean | readonly PermissionName[]> => {
    if (typeof source !== "function") return source;
    try {
      return await source(manifest, requested);
    } catch (cause) {
      throw new ThreadspaceError("permission_denied", `the grant policy failed while deciding its permissions: ${String(cause)}`, { plugin: manifest.name, cause });
    }
  };
  const explicit = installGrant !== undefined || remembered?.explicit === true;
  const decision = installGrant !== undefined ? await decide(installGrant) : remembered?.explicit === true ? remembered.permissions : await decide(policy);
  if (decision === true) return { granted: [...requested], explicit };
  if (decision === false) return { granted: [], explicit };
  return { granted: requested.filter((permission) => decision.includes(permission)), explicit };
}
