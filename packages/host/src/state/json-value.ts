import type { ThreadspaceIssue } from "@threadspace/errors";

/** A JSON object as the host keeps it. */
export type JsonObject = Record<string, unknown>;

/** Deepest nesting accepted in config values; the top-level object is level 1 (as in plugin.json). */
export const MAX_JSON_DEPTH = 32;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True for `{...}` objects (plain or null-prototype), false for arrays, class instances and the rest. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The JSON path of a child: `$.key`, `$["odd key"]`, `$[0]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** An own property's value; `undefined` for inherited ones (so `__proto__` never reads a prototype). */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function define(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Every reason `value` is not plain JSON (a function, `undefined`, a non-finite number, a class
 * instance such as a Date or Map, nesting deeper than {@link MAX_JSON_DEPTH}), with its path.
 */
export function jsonIssues(value: unknown, path = "$", depth = 1): ThreadspaceIssue[] {
  switch (typeof value) {
    case "string":
    case "boolean":
      return [];
    case "number":
      return Number.isFinite(value) ? [] : [{ path, message: `must be a finite number; got ${String(value)}` }];
    case "object": {
      if (value === null) return [];
      if (depth > MAX_JSON_DEPTH) return [{ path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }];
      if (Array.isArray(value)) return value.flatMap((item, i) => jsonIssues(item, childPath(path, i), depth + 1));
      if (!isPlainObject(value)) return [{ path, message: `must be a JSON value; got a ${value.constructor?.name ?? "non-plain object"}` }];
      return Object.keys(value).flatMap((key) => jsonIssues(value[key], childPath(path, key), depth + 1));
    }
    default:
      return [{ path, message: `must be a JSON value; got ${typeof value}` }];
  }
}

/**
 * A deep copy made of fresh arrays and plain objects. Keys are defined with
 * `Object.defineProperty`, so a `__proto__` key stays an own data property.
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (!isPlainObject(value)) return value;
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) define(copy, key, cloneJson(value[key]));
  return copy as T;
}

/**
 * Applies a JSON Merge Patch (RFC 7396) to a copy of `target`: objects merge key by key, `null`
 * removes a key, anything else replaces. Neither input is changed.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result: JsonObject = isPlainObject(target) ? cloneJson(target) : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete result[key];
    else define(result, key, mergePatch(own(result, key), value));
  }
  return result;
}

/** `over` laid on `base`: objects merge key by key (recursively), anything else in `over` wins. */
export function overlay(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return cloneJson(over === undefined ? base : over);
  const result = cloneJson(base);
  for (const key of Object.keys(over)) define(result, key, overlay(own(result, key), over[key]));
  return result;
}

/** Freezes a JSON value and everything in it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as JsonObject)[key]);
  }
  return value;
}
