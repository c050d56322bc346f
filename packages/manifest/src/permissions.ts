import { quote } from "./describe-value.ts";
import { didYouMean } from "./suggest.ts";

/** Every built-in permission, in the order the docs list them. */
export const PERMISSIONS = [
  "memory:read",
  "memory:write",
  "thread:read",
  "thread:write",
  "event:emit",
  "event:subscribe",
  "config:read",
  "kv",
  "log",
  "plugin:call",
  "http",
] as const;

/** A host API a plugin can ask for in `permissions`: one of {@link PERMISSIONS}. */
export type Permission = (typeof PERMISSIONS)[number];

/** A built-in {@link Permission}, or an embedder's own `custom:<name>` (see `engine.defineHostApi`). */
export type PermissionName = Permission | `custom:${string}`;

const CUSTOM_PREFIX = "custom:";
const CUSTOM_NAME = /^[a-z0-9_.-]{1,64}$/;

/**
 * What is wrong with a permission string, or `undefined` when it is a built-in permission or
 * a well-formed `custom:<name>` (lowercase letters, digits, `-`, `_`, `.`; 1–64 characters).
 */
export function permissionProblem(permission: string): string | undefined {
  if ((PERMISSIONS as readonly string[]).includes(permission)) return undefined;
  if (permission.startsWith(CUSTOM_PREFIX)) {
    if (CUSTOM_NAME.test(permission.slice(CUSTOM_PREFIX.length))) return undefined;
    return `${quote(permission)} is not a valid custom permission: write "custom:<name>" with 1 to 64 lowercase letters, digits, "-", "_" or "." in the name, e.g. "custom:weather.read".`;
  }
  const hint = didYouMean(permission, PERMISSIONS);
  return `${quote(permission)} is not a known permission.${hint} Known permissions: ${PERMISSIONS.join(", ")}; an embedder's own APIs use "custom:<name>".`;
}

/** True when `value` is a permission a manifest may list. */
export function isPermissionName(value: unknown): value is PermissionName {
  return typeof value === "string" && permissionProblem(value) === undefined;
}
