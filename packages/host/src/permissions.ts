import type { PermissionName } from "@threadspace/manifest";

/**
 * Which permissions each plugin holds. Checked on every host call, so a revoke takes effect on
 * the next host call, even in the middle of a plugin call. Grants are remembered against the
 * wasm's sha256: the same binary installed again gets them back, a changed binary asks again.
 */
export class PermissionTable {
  readonly #live = new Map<string, Set<PermissionName>>();
  readonly #byHash = new Map<string, Set<PermissionName>>();
  readonly #hashOf = new Map<string, string>();

  /** True when `plugin` holds `permission` right now. */
  has(plugin: string, permission: PermissionName): boolean {
    return this.#live.get(plugin)?.has(permission) ?? false;
  }

  /** The plugin's permissions, sorted. */
  list(plugin: string): PermissionName[] {
    return [...(this.#live.get(plugin) ?? [])].sort();
  }

  /** Sets a plugin's grants when it is installed; `sha256` (if known) keys the remembered grants. */
  assign(plugin: string, sha256: string | undefined, permissions: Iterable<PermissionName>): void {
    const set = new Set(permissions);
    this.#live.set(plugin, set);
    if (sha256 !== undefined) {
      this.#hashOf.set(plugin, sha256);
      this.#byHash.set(sha256, new Set(set));
    }
  }

  /** Remembers grants for a binary (loaded from storage), without assigning them to a plugin. */
  remember(sha256: string, permissions: Iterable<PermissionName>): void {
    this.#byHash.set(sha256, new Set(permissions));
  }

  /** The sha256 a plugin's grants are remembered against, if known. */
  hashOf(plugin: string): string | undefined {
    return this.#hashOf.get(plugin);
  }

  /** What was granted earlier to a binary with this sha256, if anything. */
  remembered(sha256: string | undefined): PermissionName[] | undefined {
    const set = sha256 === undefined ? undefined : this.#byHash.get(sha256);
    return set === undefined ? undefined : [...set];
  }

  grant(plugin: string, permissions: Iterable<PermissionName>): void {
    const set = this.#live.get(plugin) ?? new Set<PermissionName>();
    for (const permission of permissions) set.add(permission);
    this.#live.set(plugin, set);
    this.#remember(plugin, set);
  }

  revoke(plugin: string, permissions: Iterable<PermissionName>): void {
    const set = this.#live.get(plugin);
    if (set === undefined) return;
    for (const permission of permissions) set.delete(permission);
    this.#remember(plugin, set);
  }

  /** Forgets a plugin's live grants (uninstall); remembered grants by hash stay. */
  forget(plugin: string): void {
    this.#live.delete(plugin);
    this.#hashOf.delete(plugin);
  }

  #remember(plugin: string, set: ReadonlySet<PermissionName>): void {
    const hash = this.#hashOf.get(plugin);
    if (hash !== undefined) this.#byHash.set(hash, new Set(set));
  }
}
