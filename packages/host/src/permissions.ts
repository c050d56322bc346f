import type { PermissionName } from "@threadspace/manifest";

/** What was granted to one plugin identity, and whether the embedder said so itself. */
export interface RememberedGrants {
  readonly permissions: PermissionName[];
  /**
   * True when the embedder granted them itself (an install's `grant`, `engine.permissions.grant`
   * or `revoke`); false when the engine's grant policy decided, which is asked again next time.
   */
  readonly explicit: boolean;
}

/**
 * The key grants are remembered under: the plugin's name and its wasm's sha256
 * (`name@sha256:<hex>`). A plugin under another name reusing an approved wasm is another identity.
 */
export function grantIdentity(plugin: string, sha256: string): string {
  return `${plugin}@${sha256}`;
}

/**
 * Which permissions each plugin holds. Checked on every host call, so a revoke takes effect on
 * the next host call, even in the middle of a plugin call. Grants are remembered against the
 * plugin's identity (its name and its wasm's sha256): the same plugin installed again gets back
 * what the embedder granted it; a changed binary, or the same binary under another name, asks again.
 */
export class PermissionTable {
  readonly #live = new Map<string, Set<PermissionName>>();
  readonly #remembered = new Map<string, { permissions: Set<PermissionName>; explicit: boolean }>();
  readonly #identityOf = new Map<string, string>();
  readonly #hashOf = new Map<string, string>();

  /** True when `plugin` holds `permission` right now. */
  has(plugin: string, permission: PermissionName): boolean {
    return this.#live.get(plugin)?.has(permission) ?? false;
  }

  /** The plugin's permissions, sorted. */
  list(plugin: string): PermissionName[] {
    return [...(this.#live.get(plugin) ?? [])].sort();
  }

  /**
   * Sets a plugin's grants when it is installed; with `sha256` (if known) they are remembered
   * for its identity. `explicit`: the embedder granted them itself (see {@link RememberedGrants}).
   */
  assign(plugin: string, sha256: string | undefined, permissions: Iterable<PermissionName>, explicit = false): void {
    const set = new Set(permissions);
    this.#live.set(plugin, set);
    if (sha256 !== undefined) {
      const identity = grantIdentity(plugin, sha256);
      this.#identityOf.set(plugin, identity);
      this.#hashOf.set(plugin, sha256);
      this.#remembered.set(identity, { permissions: new Set(set), explicit });
    }
  }

  /** Remembers grants for an identity ({@link grantIdentity}; loaded from storage), without assigning them to a plugin. */
  remember(identity: string, permissions: Iterable<PermissionName>, explicit: boolean): void {
    this.#remembered.set(identity, { permissions: new Set(permissions), explicit });
  }

  /** The sha256 of a plugin's wasm, if known. */
  hashOf(plugin: string): string | undefined {
    return this.#hashOf.get(plugin);
  }

  /** The identity a plugin's grants are remembered under, if known. */
  identityOf(plugin: string): string | undefined {
    return this.#identityOf.get(plugin);
  }

  /** Whether the embedder granted the plugin's current permissions itself. */
  explicit(plugin: string): boolean {
    const identity = this.#identityOf.get(plugin);
    return identity === undefined ? false : (this.#remembered.get(identity)?.explicit ?? false);
  }

  /** What was granted earlier to this plugin identity (name and sha256), if anything. */
  remembered(plugin: string, sha256: string | undefined): RememberedGrants | undefined {
    const entry = sha256 === undefined ? undefined : this.#remembered.get(grantIdentity(plugin, sha256));
    return entry === undefined ? undefined : { permissions: [...entry.permissions], explicit: entry.explicit };
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

  /** Forgets a plugin's live grants (uninstall); remembered grants stay with its identity. */
  forget(plugin: string): void {
    this.#live.delete(plugin);
    this.#identityOf.delete(plugin);
    this.#hashOf.delete(plugin);
  }

  /** The embedder changed the grants itself: remembered as explicit. */
  #remember(plugin: string, set: ReadonlySet<PermissionName>): void {
    const identity = this.#identityOf.get(plugin);
    if (identity !== undefined) this.#remembered.set(identity, { permissions: new Set(set), explicit: true });
  }
}
