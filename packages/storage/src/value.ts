import { ThreadspaceError } from "@threadspace/errors";
import type { ScanOptions, StorageValue, StorageWrite, StoreName } from "./types.ts";
import { DELETE, STORE_NAMES } from "./types.ts";

/** Deepest nesting of arrays and objects a value may have. */
export const MAX_DEPTH = 512;
const STORES = new Set<string>(STORE_NAMES);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** True when `text` has no lone surrogate (so UTF-8 round-trips it exactly). */
export function isWellFormed(text: string): boolean {
  return nativeWellFormed === undefined ? !LONE_SURROGATE.test(text) : nativeWellFormed.call(text);
}

/** Bytes of `text` in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) i++, (bytes += 2); // a pair: 4 bytes for 2 units
    else bytes += 2;
  }
  return bytes;
}

/**
 * The size every driver and the quota count for a value: UTF-8 bytes of strings and object
 * keys, the bytes of a `Uint8Array`, 8 per number, 1 per `null`, boolean, array or object.
 */
export function byteSize(value: StorageValue): number {
  if (typeof value === "string") return utf8Length(value);
  if (typeof value === "number") return 8;
  if (value === null || typeof value === "boolean") return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  let total = 1;
  if (Array.isArray(value)) {
    for (const item of value as readonly StorageValue[]) total += byteSize(item);
    return total;
  }
  for (const k in value) total += utf8Length(k) + byteSize((value as Record<string, StorageValue>)[k] as StorageValue);
  return total;
}

/** Size of one entry: its key plus its value. */
export const entrySize = (key: string, value: StorageValue): number => utf8Length(key) + byteSize(value);

/** Where a bad value was found, for error messages. */
interface Walk {
  readonly what: string;
  readonly path: (string | number)[];
  readonly ancestors: Set<object>;
  /** Set when a `Uint8Array` that is a view of part of its buffer was seen. */
  partialView?: boolean;
}

function invalid(walk: Walk, problem: string): ThreadspaceError {
  let path = "$";
  for (const part of walk.path) path += typeof part === "number" ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  return new ThreadspaceError("bad_input", `storage: ${walk.what} cannot be stored: ${path} ${problem}. Store JSON values (null, booleans, numbers, strings, arrays, plain objects) and Uint8Array only.`, { issues: [{ path, message: problem }] });
}

function describe(value: unknown): string {
  if (value === undefined) return "is undefined (leave the property out instead)";
  if (typeof value === "function") return "is a function";
  if (typeof value === "symbol") return "is a symbol";
  if (typeof value === "bigint") return "is a bigint (store it as a string)";
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return `is a ${proto?.constructor?.name ?? "non-plain object"}`;
}

/** Validates `value` and, when `copy`, returns a deep copy (plain objects, plain `Uint8Array`s). */
function walk(value: unknown, state: Walk, copy: boolean): StorageValue {
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) throw invalid(state, "is a string with a lone surrogate (it would not survive UTF-8)");
      return value;
    case "number":
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (value instanceof Uint8Array) {
        if (value.byteOffset !== 0 || value.byteLength !== value.buffer.byteLength) state.partialView = true;
        return copy ? new Uint8Array(value) : value;
      }
      if (state.ancestors.has(value)) throw invalid(state, "refers back to itself (a cycle)");
      if (state.path.length >= MAX_DEPTH) throw invalid(state, `is nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(value)) {
        state.ancestors.add(value);
        const out: StorageValue[] | undefined = copy ? new Array<StorageValue>(value.length) : undefined;
        for (let i = 0; i < value.length; i++) {
          state.path.push(i);
          const item = walk(value[i], state, copy);
          if (out !== undefined) out[i] = item;
          state.path.pop();
        }
        state.ancestors.delete(value);
        return out ?? (value as StorageValue[]);
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw invalid(state, describe(value));
      state.ancestors.add(value);
      const out: Record<string, StorageValue> | undefined = copy ? {} : undefined;
      for (const k of Object.keys(value)) {
        state.path.push(k);
        if (!isWellFormed(k)) throw invalid(state, "is a property name with a lone surrogate");
        const item = walk((value as Record<string, unknown>)[k], state, copy);
        if (out !== undefined) setOwn(out, k, item);
        state.path.pop();
      }
      state.ancestors.delete(value);
      return out ?? (value as StorageValue);
    }
    default:
      throw invalid(state, describe(value));
  }
}

/** Sets `target[key]` as an own property, even for `"__proto__"` (which plain assignment would turn into a prototype change). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Throws `bad_input` unless `value` is a {@link StorageValue}; `what` names it in the message. */
export function checkValue(value: unknown, what = "the value"): asserts value is StorageValue {
  walk(value, { what, path: [], ancestors: new Set() }, false);
}

/**
 * What every driver would refuse in `value`, as `{ path, message }`, or `undefined` when it can
 * be stored: the one check shared by the drivers and by the host API's request decoder (so a
 * host function refuses at the request what the storage would refuse at the commit).
 */
export function storableProblem(value: unknown): { readonly path: string; readonly message: string } | undefined {
  try {
    checkValue(value);
    return undefined;
  } catch (error) {
    const issue = error instanceof ThreadspaceError ? error.issues[0] : undefined;
    if (issue === undefined) throw error;
    return { path: issue.path, message: issue.message };
  }
}

/** A deep copy of `value`, validated like {@link checkValue}. */
export function copyValue(value: unknown, what = "the value"): StorageValue {
  return walk(value, { what, path: [], ancestors: new Set() }, true);
}

/** Throws `bad_input` unless `store` is a store name and `key` a well-formed string. */
export function checkTarget(store: unknown, key: unknown): asserts store is StoreName {
  if (typeof store !== "string" || !STORES.has(store)) throw new ThreadspaceError("bad_input", `storage: ${JSON.stringify(store)} is not a store; use one of ${STORE_NAMES.join(", ")}.`);
  if (typeof key !== "string") throw new ThreadspaceError("bad_input", `storage: keys are strings; got ${typeof key} in store ${store}.`);
  if (!isWellFormed(key)) throw new ThreadspaceError("bad_input", `storage: the key ${JSON.stringify(key)} in store ${store} has a lone surrogate.`);
}

/** Names a write in messages: `kv "hello\u0000count"`. */
export const nameOf = (write: Pick<StorageWrite, "store" | "key">): string => `${write.store} ${JSON.stringify(write.key)}`;

/**
 * Validates a whole batch before anything is written (so an invalid value fails the batch and
 * leaves nothing). With `copy`, returns the batch with every value deep-copied; with
 * `"views"` (values handed over, see `CommitOptions.handOver`), only the values holding a
 * `Uint8Array` view of part of a buffer are copied (so that only the view's bytes are stored).
 */
export function checkBatch(batch: readonly StorageWrite[], copy: boolean | "views"): StorageWrite[] {
  if (!Array.isArray(batch)) throw new ThreadspaceError("bad_input", "storage: commit takes an array of writes ({ store, key, value }).");
  const out: StorageWrite[] = new Array<StorageWrite>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const write = batch[i] as StorageWrite;
    if (typeof write !== "object" || write === null) throw new ThreadspaceError("bad_input", `storage: write ${i} of the batch is not an object { store, key, value }.`);
    checkTarget(write.store, write.key);
    if (write.value === DELETE) out[i] = write;
    else {
      const state: Walk = { what: `the value of ${nameOf(write)}`, path: [], ancestors: new Set() };
      const value = walk(write.value, state, copy === true);
      if (copy === true) out[i] = { store: write.store, key: write.key, value };
      else if (copy === "views" && state.partialView === true) out[i] = { store: write.store, key: write.key, value: walk(write.value, state, true) };
      else out[i] = write;
    }
  }
  return out;
}

/** Throws `bad_input` for malformed scan options. */
export function checkScan(store: unknown, options: ScanOptions | undefined): asserts store is StoreName {
  checkTarget(store, "");
  if (options === undefined) return;
  const { prefix, start, limit } = options;
  if (prefix !== undefined && typeof prefix !== "string") throw new ThreadspaceError("bad_input", "storage: scan's prefix must be a string.");
  if (start !== undefined && typeof start !== "string") throw new ThreadspaceError("bad_input", "storage: scan's start must be a string.");
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new ThreadspaceError("bad_input", `storage: scan's limit must be an integer >= 0; got ${String(limit)}.`);
}
