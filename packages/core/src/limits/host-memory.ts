/**
 * Host memory a plugin can make the host hold through the Extism kernel (@extism/extism
 * 2.0.0-rc13), counted against per-plugin caps: every block in the call context's block table
 * (what the guest `alloc`s and never frees, host replies, config and var reads, the input) and
 * every var (`var_set`). Used both by inline start-up and by the bridge worker (TypeScript bundled
 * by esbuild: scripts/build-worker.mjs).
 *
 * How it hooks into rc13 (pinned exactly; docs/extism-notes.md):
 * - `createPlugin` binds every function of `functions` to the call context
 *   (`fn.bind(null, context)`) before it assigns it, and `functions["extism:host/env"]` entries
 *   REPLACE the kernel's (the import object of that namespace is the context's own ENV object).
 *   Our kernel functions (`free`, `var_set`, `log_*`) have a `bind` that takes the context and,
 *   still unreplaced at that moment, the kernel's own function, which they call.
 * - Every block is made by the context's `alloc` method or its STORE method (host replies, the
 *   input, config and var reads); both are patched on the context instance, so each block is
 *   checked BEFORE its buffer exists and then counted.
 * - Blocks the kernel frees without `free` (a log line's) are released by our `log_*`; a sweep
 *   (`context.length(addr)` is 0 for a freed block) catches any other before refusing.
 * - A call starts with an empty block table (rc13 resets it in `call`): {@link HostMemoryGuard.attach}
 *   patches `plugin.call` to start counting afresh. Vars live across calls, as in Extism.
 *
 * The block table has {@link MAX_BLOCKS} usable slots per call (an address is `index << 48` in an
 * i64; from index 32768 it turns negative and rc13 fails with "cannot assign to this block"), and
 * a freed slot is never reused within the call. The guard refuses the block past it with
 * `limit_exceeded` instead.
 */
import type { ThreadspaceErrorCode } from "@threadspace/errors";
import type { CallVars } from "../replay/call-vars.ts";

/** Usable block slots per call: index 0 is reserved, 32768 and above are negative as i64. */
export const MAX_BLOCKS = 32_767;

/** Entries of the block-size table kept between calls (a longer table is cut back when the next call starts). */
const KEPT_SIZES = 1024;
const LOG_FUNCTIONS = ["log_trace", "log_debug", "log_info", "log_warn", "log_error"] as const;
const encoder = new TextEncoder();

/** The ThreadspaceError codes a {@link KernelLimitError} carries. */
export type KernelLimitCode = Extract<ThreadspaceErrorCode, "memory_limit" | "limit_exceeded">;

/** The symbol rc13's CallContext keeps its kernel functions under, once found. */
let envSymbol: symbol | undefined;

/** rc13's STORE method symbol ("store-value"), by CallContext prototype: looked up once per prototype, not per instance. */
const storeSymbols = new WeakMap<object, symbol | undefined>();

function storeSymbolOf(proto: object): symbol | undefined {
  if (storeSymbols.has(proto)) return storeSymbols.get(proto);
  const found = Object.getOwnPropertySymbols(proto).find((s) => s.description === "store-value");
  storeSymbols.set(proto, found);
  return found;
}

/**
 * The call went over a kernel cap: `memory_limit` (host memory, vars) or `limit_exceeded`
 * (block slots). Thrown inside a kernel import, it traps the guest and fails the call.
 */
export class KernelLimitError extends Error {
  readonly code: KernelLimitCode;

  constructor(code: KernelLimitCode, message: string) {
    super(message);
    this.name = "KernelLimitError";
    this.code = code;
  }
}

/** The text a bridge worker sends for a {@link KernelLimitError} (protocol Status.KERNEL_LIMIT). */
export function encodeKernelLimit(error: KernelLimitError): string {
  return `${error.code}:${error.message}`;
}

/** The {@link KernelLimitError} a bridge worker sent as {@link encodeKernelLimit}'s text. */
export function decodeKernelLimit(text: string): KernelLimitError {
  const at = text.indexOf(":");
  const code: KernelLimitCode = text.slice(0, at) === "limit_exceeded" ? "limit_exceeded" : "memory_limit";
  return new KernelLimitError(code, text.slice(at + 1));
}

/** The caps one plugin runs under (`limits.hostMemoryBytes`, `limits.maxVarBytes`). */
export interface HostMemoryLimits {
  readonly hostMemoryBytes: number;
  readonly maxVarBytes: number;
}

/**
 * The part of rc13's CallContext used here (a structural subset of `CallContext` from
 * @extism/extism). Its hidden members (ENV, STORE) are keyed by symbols that rc13 does not
 * export, found at run time by their descriptions: hence the symbol index signature.
 */
interface KernelContext {
  alloc(size: number | bigint): bigint;
  length(addr: bigint): bigint;
  read(addr: bigint): { string(): string; bytes(): Uint8Array } | null;
  store(input: Uint8Array): bigint;
  getVariable(name: string): { readonly byteLength: number; bytes(): Uint8Array } | null;
  readonly [key: symbol]: unknown;
}

/** The part of an Extism plugin {@link HostMemoryGuard.attach} uses (rc13's `Plugin` fits). */
export interface GuardedPlugin<Args extends unknown[] = unknown[], Result = unknown> {
  call(...args: Args): Promise<Result>;
  reset(): Promise<boolean> | boolean;
  isActive?(): boolean;
}

/** A kernel import as Extism calls it: the bound call context, then the guest's i64 arguments. */
export type KernelImport = (context: unknown, ...args: bigint[]) => unknown;

/** The kernel's own function a kernel import wraps (called with no `this`). */
/** A kernel function as rc13 defines it: every one wrapped here takes one or two i64 addresses. */
type KernelOriginal = (a: bigint, b?: bigint) => unknown;

const indexOf = (addr: bigint): number => Number(BigInt.asUintN(64, addr) >> 48n);
const addressOf = (index: number): bigint => BigInt(index) << 48n;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === "object" && value !== null;

/** Counts and caps what one plugin instance makes the host hold. One per instance. */
export class HostMemoryGuard {
  readonly #limits: HostMemoryLimits;
  /**
   * Live blocks of the current call: bytes by block index (0 once freed or never made), valid up
   * to {@link #lastIndex}; entries past it are left from earlier calls. rc13 numbers a call's
   * blocks 1, 2, 3, ... as it makes them, so this stays a dense array of small numbers: cheaper
   * on every block than a Map, and a new call starts by resetting one number.
   */
  readonly #sizes: number[] = [0];
  #blockBytes = 0;
  /** The highest block index seen this call. */
  #lastIndex = 0;
  /** Vars: key → bytes (key and value). */
  readonly #vars = new Map<string, number>();
  #varBytes = 0;
  #context: KernelContext | undefined = undefined;
  #plugin: GuardedPlugin | undefined = undefined;
  #storing = false;
  /** The vars of a recorded or replayed call (replay/call-vars.ts), asked on every var_get and var_set; undefined: the instance's own. */
  #callVars: CallVars | undefined = undefined;
  /** The refusal of this call, if any: sticky, so a host function that catches it cannot carry on. */
  #refused: KernelLimitError | undefined = undefined;

  constructor(limits: HostMemoryLimits) {
    this.#limits = limits;
  }

  /** Bytes held now: live blocks of this call plus vars. */
  get heldBytes(): number {
    return this.#blockBytes + this.#varBytes;
  }

  /** The `extism:host/env` functions to pass to `createPlugin` (merge them into that namespace). */
  kernelFunctions(): Record<string, KernelImport> {
    const functions: Record<string, KernelImport> = {};
    const freeing = (original: KernelOriginal, addr: bigint): void => {
      original(addr);
      this.#release(indexOf(addr));
    };
    functions["free"] = this.#kernel("free", freeing);
    for (const name of LOG_FUNCTIONS) functions[name] = this.#kernel(name, freeing);
    functions["var_set"] = this.#kernel("var_set", (original, keyAddr, valueAddr) => this.#varSet(original, keyAddr, valueAddr));
    functions["var_get"] = this.#kernel("var_get", (original, keyAddr) => this.#varGet(original, keyAddr));
    return functions;
  }

  /** Lets the guard free a refused call's blocks right after it failed. */
  attach<Args extends unknown[], Result>(plugin: GuardedPlugin<Args, Result>): void {
    this.#plugin = plugin;
  }

  /**
   * Starts counting afresh: call it right before every `plugin.call` (rc13 empties the block
   * table in `call`). Called by whoever makes the call (the inline instance, the bridge worker)
   * rather than by wrapping `plugin.call`, which cost about 1 µs on every call.
   */
  beginCall(vars?: CallVars): void {
    this.#callVars = vars;
    // A call that made thousands of blocks does not leave its table behind for the plugin's life.
    if (this.#lastIndex > KEPT_SIZES) this.#sizes.length = KEPT_SIZES;
    this.#blockBytes = 0;
    this.#lastIndex = 0;
    this.#refused = undefined;
  }

  /**
   * A kernel function that calls the kernel's own one (taken when createPlugin binds it).
   * `body` gets the guest's arguments: every kernel function wrapped here takes i64 addresses.
   */
  #kernel(name: string, body: (original: KernelOriginal, a: bigint, b: bigint) => unknown): KernelImport {
    const guard = this;
    let original: KernelOriginal = () => {
      throw new Error(`threadspace: the Extism kernel's ${name} was not captured (an @extism/extism other than 2.0.0-rc13?)`);
    };
    // Fixed arity (no rest or spread): these run on every free and log line of every call.
    const fn = function kernelFunction(_context: unknown, a: bigint, b: bigint): unknown {
      return body(original, a, b);
    };
    Object.defineProperty(fn, "bind", {
      // rc13's createPlugin calls `fn.bind(null, context)`: the first bound argument is its CallContext.
      value(thisArg: unknown, ...bound: [KernelContext, ...unknown[]]): unknown {
        const context = bound[0];
        const env = guard.#envOf(context);
        const own = env?.[name];
        // rc13's kernel functions are arrow functions over the context: called as they are.
        if (typeof own === "function") original = own as KernelOriginal;
        guard.#patch(context);
        return Function.prototype.bind.call(fn, thisArg, ...bound);
      },
    });
    return fn;
  }

  /** The context's kernel functions object (rc13 keeps it under a symbol named "env"). */
  #envOf(context: KernelContext): Readonly<Record<string, unknown>> | undefined {
    if (typeof context !== "object" || context === null) return undefined;
    // rc13's symbol is one per process: found once, then checked to be the context's own.
    const symbol = envSymbol !== undefined && Object.hasOwn(context, envSymbol) ? envSymbol : (envSymbol = Object.getOwnPropertySymbols(context).find((s) => s.description === "env"));
    if (symbol === undefined) return undefined;
    const env = context[symbol];
    return isRecord(env) ? env : undefined;
  }

  /** Checks every block before it is made: the context's `alloc` and STORE, patched on the instance. */
  #patch(context: KernelContext): void {
    if (this.#context === context) return;
    this.#context = context;
    const proto: object = Object.getPrototypeOf(context);
    const storeSymbol = storeSymbolOf(proto);
    const alloc = context.alloc.bind(context);
    Object.defineProperty(context, "alloc", {
      configurable: true,
      writable: true,
      value: (size: number | bigint): bigint => {
        if (this.#storing) return alloc(size);
        const bytes = Number(size);
        this.#admit(bytes);
        const addr = alloc(size);
        // A block's address is its index << 48 (non-negative for every index the guard admits).
        if (addr > 0n) this.#track(Number(addr >> 48n), bytes);
        return addr;
      },
    });
    if (storeSymbol === undefined) return;
    // STORE is a method of rc13's CallContext prototype (`[STORE](input?: string | Uint8Array): number | null`).
    const storeMethod: unknown = Reflect.get(proto, storeSymbol);
    if (typeof storeMethod !== "function") throw new TypeError(`threadspace: the Extism call context's store-value is not a function (an @extism/extism other than 2.0.0-rc13?)`);
    const store = storeMethod as (this: KernelContext, input: unknown) => unknown;
    Object.defineProperty(context, storeSymbol, {
      configurable: true,
      writable: true,
      value: (input: unknown): unknown => {
        // STORE keeps a string as its UTF-8 bytes and a Uint8Array as a block of its byteLength
        // (its own buffer, or a copy through alloc): encoded here, the block's size is known
        // exactly before it exists, with no call back into the kernel to ask.
        const bytes = typeof input === "string" ? encoder.encode(input) : input;
        if (!(bytes instanceof Uint8Array)) return store.call(context, bytes);
        this.#admit(bytes.byteLength);
        this.#storing = true;
        let index: unknown;
        try {
          index = store.call(context, bytes);
        } finally {
          this.#storing = false;
        }
        if (typeof index === "number" && index > 0) this.#track(index, bytes.byteLength);
        return index;
      },
    });
  }

  /** Refuses a block of `bytes` that would take the plugin over a cap (after a sweep). */
  #admit(bytes: number): void {
    if (this.#refused !== undefined) throw this.#refused;
    if (this.#lastIndex + 1 >= MAX_BLOCKS + 1) {
      this.#refuse(new KernelLimitError("limit_exceeded", `the call used all ${MAX_BLOCKS} Extism memory blocks a call can have (each alloc and each host call's request and reply takes one, and a freed one is not reused within the call); make fewer allocations or host calls per call (limits.hostCallsPerCall)`));
    }
    if (!(bytes >= 0) || this.heldBytes + bytes > this.#limits.hostMemoryBytes) {
      this.#sweep();
      if (!(bytes >= 0) || this.heldBytes + bytes > this.#limits.hostMemoryBytes) {
        this.#refuse(new KernelLimitError("memory_limit", `the plugin asked the host to hold ${bytes} more bytes of Extism memory while it held ${this.#blockBytes} in blocks and ${this.#varBytes} in vars: over its cap of ${this.#limits.hostMemoryBytes} bytes (limits.hostMemoryBytes). Free blocks once used (free), keep fewer or smaller vars, or raise limits.hostMemoryBytes in plugin.json (the host's policy caps it)`));
      }
    }
  }

  #track(index: number, bytes: number): void {
    const sizes = this.#sizes;
    const last = this.#lastIndex;
    if (index <= last) this.#blockBytes -= sizes[index] as number;
    else {
      // Blocks come in order (index === last + 1); should rc13 ever skip some, they count as empty.
      for (let skipped = last + 1; skipped < index; skipped++) sizes[skipped] = 0;
      this.#lastIndex = index;
    }
    sizes[index] = bytes;
    this.#blockBytes += bytes;
  }

  #release(index: number): void {
    if (index > this.#lastIndex) return;
    const bytes = this.#sizes[index] as number;
    if (bytes === 0) return;
    this.#sizes[index] = 0;
    this.#blockBytes -= bytes;
  }

  /** Drops blocks the kernel freed without telling (rc13 returns length 0 for a freed block). */
  #sweep(): void {
    const context = this.#context;
    if (context === undefined) return;
    const sizes = this.#sizes;
    for (let index = 1; index <= this.#lastIndex; index++) {
      const bytes = sizes[index] as number;
      if (bytes > 0 && context.length(addressOf(index)) === 0n) {
        sizes[index] = 0;
        this.#blockBytes -= bytes;
      }
    }
  }

  /** Fails the call and frees its blocks as soon as it has unwound. */
  #refuse(error: KernelLimitError): never {
    this.#refused = error;
    const plugin = this.#plugin;
    if (plugin !== undefined) {
      queueMicrotask(() => {
        if (plugin.isActive?.() === true) return;
        this.#lastIndex = 0;
        this.#blockBytes = 0;
        void plugin.reset();
      });
    }
    throw error;
  }

  /**
   * `var_set` under `maxVarBytes` and `hostMemoryBytes`: a var that would go over is refused
   * (the call fails with `memory_limit`) and not set.
   */
  #varSet(original: KernelOriginal, keyAddr: bigint, valueAddr: bigint): unknown {
    const context = this.#context;
    const key = context?.read(keyAddr)?.string();
    if (context === undefined || key === undefined) return original(keyAddr, valueAddr);
    const vars = this.#callVars;
    if (vars !== undefined) {
      const value = valueAddr === 0n ? null : (context.read(valueAddr)?.bytes() ?? null);
      if (valueAddr !== 0n && value === null) return original(keyAddr, valueAddr);
      const served = vars.sizeWith(key, value);
      if (served > this.#limits.maxVarBytes) {
        this.#refuse(new KernelLimitError("memory_limit", `var_set "${key.slice(0, 64)}" would make the replayed call's vars ${served} bytes, over the plugin's cap of ${this.#limits.maxVarBytes} bytes (limits.maxVarBytes); the var was not set`));
      }
      if (!vars.set(key, value)) return undefined;
    }
    const before = this.#vars.get(key) ?? 0;
    if (valueAddr !== 0n) {
      const size = encoder.encode(key).byteLength + Number(context.length(valueAddr));
      const vars = this.#varBytes - before + size;
      if (vars > this.#limits.maxVarBytes) {
        this.#refuse(new KernelLimitError("memory_limit", `var_set "${key.slice(0, 64)}" would make the plugin's vars ${vars} bytes, over its cap of ${this.#limits.maxVarBytes} bytes (limits.maxVarBytes); the var was not set. Keep fewer or smaller vars (var_set with a null value deletes one), or raise limits.maxVarBytes`));
      }
      if (this.#blockBytes + vars > this.#limits.hostMemoryBytes) {
        this.#sweep();
        if (this.#blockBytes + vars > this.#limits.hostMemoryBytes) {
          this.#refuse(new KernelLimitError("memory_limit", `var_set "${key.slice(0, 64)}" would make the host hold ${this.#blockBytes + vars} bytes for the plugin (blocks and vars), over its cap of ${this.#limits.hostMemoryBytes} bytes (limits.hostMemoryBytes); the var was not set`));
        }
      }
    }
    const result = original(keyAddr, valueAddr);
    const now = context.getVariable(key);
    const after = now === null ? 0 : encoder.encode(key).byteLength + now.byteLength;
    if (after === 0) this.#vars.delete(key);
    else this.#vars.set(key, after);
    this.#varBytes += after - before;
    return result;
  }

  /** `var_get` of a recorded call (its first reads noted) or a replayed one (served its trace's vars). */
  #varGet(original: KernelOriginal, keyAddr: bigint): unknown {
    const vars = this.#callVars;
    const context = this.#context;
    if (vars === undefined || context === undefined) return original(keyAddr);
    const key = context.read(keyAddr)?.string();
    if (key === undefined) return original(keyAddr);
    const value = vars.get(key, () => context.getVariable(key)?.bytes() ?? null);
    // As the kernel's var_get: the key's block is freed, the value is a fresh block (0: unset).
    const env = this.#envOf(context);
    const free = env?.["free"];
    if (typeof free === "function") {
      (free as KernelOriginal)(keyAddr);
      this.#release(indexOf(keyAddr));
    }
    return value === null ? 0n : context.store(value);
  }
}
