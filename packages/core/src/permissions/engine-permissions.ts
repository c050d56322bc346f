import type { PermissionTable } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";

/**
 * `engine.permissions`: the embedder's view of the permission table. `grant` and `revoke` act on
 * the next host call, even in the middle of a plugin call; grants are remembered against the
 * wasm's sha256 (and stored when the engine has storage).
 */
export interface EnginePermissions {
  grant(name: string, permissions: readonly PermissionName[]): void;
  revoke(name: string, permissions: readonly PermissionName[]): void;
  list(name: string): PermissionName[];
}

/** Builds {@link EnginePermissions}; `check` throws for an unknown plugin, `persist` stores its grants. */
export function enginePermissions(table: PermissionTable, check: (name: string) => void, persist: (name: string) => void): EnginePermissions {
  return {
    grant(name, permissions) {
      check(name);
      table.grant(name, permissions);
      persist(name);
    },
    revoke(name, permissions) {
      check(name);
      table.revoke(name, permissions);
      persist(name);
    },
    list(name) {
      check(name);
      return table.list(name);
    },
  };
}
