import { isJsonObject } from "./valibot-helpers.ts";

/**
 * A deep copy of a JSON value made of fresh arrays and plain objects. Every key is defined
 * with `Object.defineProperty`, so a `__proto__` key stays an own data property and never
 * sets a prototype. Expects depth-checked input (it recurses).
 */
export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isJsonObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, { value: cloneJson(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** {@link cloneJson} for an object, typed as one. */
export function cloneJsonObject(value: Record<string, unknown>): Record<string, unknown> {
  return cloneJson(value) as Record<string, unknown>;
}

/** Freezes a JSON value and everything in it (arrays and plain objects); returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
