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

/** Splits a {@link grantIdentity} at its last `@` (a sha256 has none): [name, sha256]. */
function splitIdentity(identity: string): [plugin: string, sha256: string] {
  const at = identity.lastIndexOf("@");
  return at < 0 ? [identity, ""] : [identity.slice(0, at), identity.slice(at + 1)];
}

interface Remembered {
  readonly permissions: Set<PermissionName>;
  readonly explicit: boolean;
}

/**
 * Which permissions each plugin holds. Checked on every host call, so a revoke takes effect on
 * the next host call, even in the middle of a plugin call. Grants are remembered against the
 * plugin's identity (its name and its wasm's sha256): the same plugin installed again gets back
 * what the embedder granted it; a changed binary, or the same binary under another name, asks again.
 */
export class PermissionTable {
  readonly #live = new Map<string, Set<PermissionName>>();
  /** Remembered grants by plugin name, then by sha256 (so a name's identities go together). */
  readonly #remembered = new Map<string, Map<string, Remembered>>();
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
      this.#hashOf.set(plugin, sha256);
      this.#setRemembered(plugin, sha256, { permissions: new Set(set), explicit });
    } else this.#hashOf.delete(plugin);
  }

  /** Remembers grants for an identity ({@link grantIdentity}; loaded from storage), without assigning them to a plugin. */
  remember(identity: string, permissions: Iterable<PermissionName>, explicit: boolean): void {
    const [plugin, sha256] = splitIdentity(identity);
    this.#setRemembered(plugin, sha256, { permissions: new Set(permissions), explicit });
  }

  /** The sha256 of a plugin's wasm, if known. */
  hashOf(plugin: string): string | undefined {
    return this.#hashOf.get(plugin);
  }

  /** The identity a plugin's grants are remembered under, if known. */
  identityOf(plugin: string): string | undefined {
    const sha256 = this.#hashOf.get(plugin);
    return sha256 === undefined ? undefined : grantIdentity(plugin, sha256);
  }

  /** Whether the embedder granted the plugin's current permissions itself. */
  explicit(plugin: string): boolean {
    const sha256 = this.#hashOf.get(plugin);
    return sha256 === undefined ? false : (this.#remembered.get(plugin)?.get(sha256)?.explicit ?? false);
  }

  /** What was granted earlier to this plugin identity (name and sha256), if anything. */
  remembered(plugin: string, sha256: string | undefined): RememberedGrants | undefined {
    const entry = sha256 === undefined ? undefined : this.#remembered.get(plugin)?.get(sha256);
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

  /**
   * Forgets a plugin's live grants (uninstall, or a build taken off for an upgrade). What the
   * embedder granted itself stays remembered with its identity (the same plugin installed again
   * gets it back: {@link forgetRemembered} drops it); what the grant policy decided goes, as it
   * is never reused (the policy decides again).
   */
  forget(plugin: string): void {
    const sha256 = this.#hashOf.get(plugin);
    const byHash = this.#remembered.get(plugin);
    if (sha256 !== undefined && byHash?.get(sha256)?.explicit === false) {
      byHash.delete(sha256);
      if (byHash.size === 0) this.#remembered.delete(plugin);
    }
    this.#live.delete(plugin);
    this.#hashOf.delete(plugin);
  }

  /**
   * Forgets every grant remembered under a plugin name, whatever its build (its data is removed:
   * uninstall with `keepData: false`, `engine.data.remove`); returns the identities forgotten.
   */
  forgetRemembered(plugin: string): string[] {
    const byHash = this.#remembered.get(plugin);
    if (byHash === undefined) return [];
    this.#remembered.delete(plugin);
    return [...byHash.keys()].map((sha256) => grantIdentity(plugin, sha256));
  }

  /** The embedder changed the grants itself: remembered as explicit. */
  #remember(plugin: string, set: ReadonlySet<PermissionName>): void {
    const sha256 = this.#hashOf.get(plugin);
    if (sha256 !== undefined) this.#setRemembered(plugin, sha256, { permissions: new Set(set), explicit: true });
  }

  #setRemembered(plugin: string, sha256: string, entry: Remembered): void {
    let byHash = this.#remembered.get(plugin);
    if (byHash === undefined) {
      byHash = new Map();
      this.#remembered.set(plugin, byHash);
    }
    byHash.set(sha256, entry);
  }
}
