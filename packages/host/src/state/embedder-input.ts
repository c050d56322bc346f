import { ThreadspaceError } from "@threadspace/errors";
import { isWellFormed as isWellFormedText } from "@threadspace/storage";
import { childPath } from "./json-value.ts";

/** Deepest nesting of the embedder's objects and arrays (the storage's limit). */
export const MAX_EMBEDDER_DEPTH = 512;
/** Most values (objects, arrays, strings, numbers, ...) in one embedder input. */
export const MAX_EMBEDDER_NODES = 100_000;
/** Most UTF-16 code units of strings and keys in one embedder input (about 16 MiB of text). */
export const MAX_EMBEDDER_CHARS = 16 * 1024 * 1024;

interface Walk {
  readonly what: string;
  readonly ancestors: Set<object>;
  nodes: number;
  chars: number;
}

function refuse(walk: Walk, path: string, problem: string, cause?: unknown): ThreadspaceError {
  return new ThreadspaceError("bad_input", `${walk.what}: ${path} ${problem}. Pass plain JSON data (null, booleans, finite numbers, strings, arrays, plain objects).`, {
    issues: [{ path, message: problem }],
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Sets an own property, even `__proto__` (which plain assignment would turn into a prototype change). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function read<T>(walk: Walk, path: string, what: string, get: () => T): T {
  try {
    return get();
  } catch (cause) {
    throw refuse(walk, path, `could not be read (${what} threw: ${cause instanceof Error ? cause.message : String(cause)}); a Proxy or an object with throwing accessors is not data`, cause);
  }
}

function copy(value: unknown, path: string, depth: number, walk: Walk): unknown {
  if (++walk.nodes > MAX_EMBEDDER_NODES) throw refuse(walk, path, `is past the ${MAX_EMBEDDER_NODES}th value of this input; pass less at once`);
  switch (typeof value) {
    case "string":
      walk.chars += value.length;
      if (walk.chars > MAX_EMBEDDER_CHARS) throw refuse(walk, path, `takes the input past ${MAX_EMBEDDER_CHARS} characters of text`);
      if (!isWellFormedText(value)) throw refuse(walk, path, "is a string with a lone surrogate (it would not survive UTF-8)");
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw refuse(walk, path, `is ${String(value)}; JSON numbers are finite`);
      return value;
    case "object": {
      if (value === null) return null;
      if (depth > MAX_EMBEDDER_DEPTH) throw refuse(walk, path, `is nested deeper than ${MAX_EMBEDDER_DEPTH} levels`);
      if (walk.ancestors.has(value)) throw refuse(walk, path, "refers back to itself (a cycle)");
      const isArray = read(walk, path, "Array.isArray", () => Array.isArray(value));
      const proto = read(walk, path, "its prototype", () => Object.getPrototypeOf(value) as unknown);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        const name = read(walk, path, "its constructor", () => (proto as { constructor?: { name?: unknown } }).constructor?.name);
        throw refuse(walk, path, `is a ${typeof name === "string" && name !== "" ? name : "non-plain object"}`);
      }
      const keys = read(walk, path, "its keys", () => Reflect.ownKeys(value));
      // Refused before any of them is copied: a million keys costs one ownKeys, not a million copies.
      if (walk.nodes + keys.length - (isArray ? 1 : 0) > MAX_EMBEDDER_NODES) throw refuse(walk, path, `has ${keys.length} entries, which takes this input past ${MAX_EMBEDDER_NODES} values; pass less at once`);
      walk.ancestors.add(value);
      const out: unknown[] | Record<string, unknown> = isArray ? [] : {};
      for (const key of keys) {
        if (typeof key === "symbol") continue;
        if (isArray && key === "length") continue;
        const childAt = isArray && /^\d+$/.test(key) ? childPath(path, Number(key)) : childPath(path, key);
        const descriptor = read(walk, childAt, "its property descriptor", () => Reflect.getOwnPropertyDescriptor(value, key));
        if (descriptor === undefined || descriptor.enumerable !== true) continue;
        if (!("value" in descriptor)) throw refuse(walk, childAt, "is a getter or setter; pass its value instead");
        if (descriptor.value === undefined) {
          if (isArray) throw refuse(walk, childAt, "is undefined (JSON has no undefined; use null)");
          continue; // as JSON.stringify: an undefined property is left out
        }
        walk.chars += key.length;
        if (!isArray && !isWellFormedText(key)) throw refuse(walk, childAt, "is a property name with a lone surrogate");
        const item = copy(descriptor.value, childAt, depth + 1, walk);
        if (isArray) (out as unknown[])[Number(key)] = item;
        else define(out as Record<string, unknown>, key, item);
      }
      if (isArray) {
        const length = read(walk, path, "its length", () => (value as unknown[]).length);
        if ((out as unknown[]).length !== length || (out as unknown[]).includes(undefined)) throw refuse(walk, path, "is an array with holes; fill them with null");
      }
      walk.ancestors.delete(value);
      return out;
    }
    default:
      throw refuse(walk, path, `is a ${typeof value}, which JSON cannot hold`);
  }
}

/**
 * Copies what the embedder passes in (config overrides, kv values, memories, thread entries,
 * event payloads) once, at the boundary, into fresh plain JSON: within {@link MAX_EMBEDDER_DEPTH}
 * levels, {@link MAX_EMBEDDER_NODES} values and {@link MAX_EMBEDDER_CHARS} characters; no
 * cycles, no getters or setters, no class instances; a Proxy or an object whose traps throw is
 * refused, never trusted later. Throws `bad_input` naming `what` and the JSON path.
 *
 * @example
 * const overrides = copyEmbedderInput(input, "config.set(\"hello\")");
 */
export function copyEmbedderInput<T = unknown>(value: T, what: string): T {
  return copy(value, "$", 1, { what, ancestors: new Set(), nodes: 0, chars: 0 }) as T;
}
