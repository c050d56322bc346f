import { ThreadspaceError } from "@threadspace/errors";
import { copyEmbedderInput } from "@threadspace/host";
import type { PermissionTable } from "@threadspace/host";
import type { PermissionName } from "@threadspace/manifest";

/**
 * `engine.permissions`: the embedder's view of the permission table. `grant` and `revoke` act at
 * once, on the next host call, even in the middle of a plugin call; grants are remembered against
 * the wasm's sha256. With storage they are stored behind the change: the returned promise
 * settles once they are (it rejects with the storage's error, which is logged too; the change
 * stays in effect for this engine). Without storage it is already resolved.
 */
export interface EnginePermissions {
  grant(name: string, permissions: readonly PermissionName[]): Promise<void>;
  revoke(name: string, permissions: readonly PermissionName[]): Promise<void>;
  list(name: string): PermissionName[];
}

/** The embedder's list, copied once: an array of strings, or `bad_input`. */
function permissionList(permissions: unknown, what: string): PermissionName[] {
  const list = copyEmbedderInput(permissions, what);
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === "string")) {
    throw new ThreadspaceError("bad_input", `${what}: the permissions must be an array of names such as ["kv", "log"].`);
  }
  return list as PermissionName[];
}

/** Builds {@link EnginePermissions}; `check` throws for an unknown plugin, `persist` stores its grants. */
export function enginePermissions(table: PermissionTable, check: (name: string) => void, persist: (name: string) => Promise<void>): EnginePermissions {
  return {
    grant(name, permissions) {
      check(name);
      table.grant(name, permissionList(permissions, `permissions.grant("${name}")`));
      return persist(name);
    },
    revoke(name, permissions) {
      check(name);
      table.revoke(name, permissionList(permissions, `permissions.revoke("${name}")`));
      return persist(name);
    },
    list(name) {
      check(name);
      return table.list(name);
    },
  };
}
