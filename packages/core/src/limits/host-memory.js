// @ts-check
/**
 * Host memory a plugin can make the host hold through the Extism kernel (@extism/extism
 * 2.0.0-rc13), counted against per-plugin caps: every block in the call context's block table
 * (what the guest `alloc`s and never frees, host replies, config and var reads, the input) and
 * every var (`var_set`). Plain JavaScript so that the bridge worker (which has no TypeScript
 * loader) and inline start-up both use it.
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

/** Usable block slots per call: index 0 is reserved, 32768 and above are negative as i64. */
export const MAX_BLOCKS = 32_767;

const LOG_FUNCTIONS = ["log_trace", "log_debug", "log_info", "log_warn", "log_error"];
const encoder = new TextEncoder();

/**
 * The call went over a kernel cap: `memory_limit` (host memory, vars) or `limit_exceeded`
 * (block slots). Thrown inside a kernel import, it traps the guest and fails the call.
 */
export class KernelLimitError extends Error {
  /**
   * @param {"memory_limit" | "limit_exceeded"} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "KernelLimitError";
    /** @type {"memory_limit" | "limit_exceeded"} */
    this.code = code;
  }
}

/**
 * The text a bridge worker sends for a {@link KernelLimitError} (protocol Status.KERNEL_LIMIT).
 * @param {KernelLimitError} error
 */
export function encodeKernelLimit(error) {
  return `${error.code}:${error.message}`;
}

/**
 * The {@link KernelLimitError} a bridge worker sent as {@link encodeKernelLimit}'s text.
 * @param {string} text
 */
export function decodeKernelLimit(text) {
  const at = text.indexOf(":");
  const code = text.slice(0, at) === "limit_exceeded" ? "limit_exceeded" : "memory_limit";
  return new KernelLimitError(code, text.slice(at + 1));
}

/**
 * The caps one plugin runs under (`limits.hostMemoryBytes`, `limits.maxVarBytes`).
 * @typedef {{ readonly hostMemoryBytes: number; readonly maxVarBytes: number }} HostMemoryLimits
 */

/** @param {bigint} addr */
const indexOf = (addr) => Number(BigInt.asUintN(64, addr) >> 48n);
/** @param {number} index */
const addressOf = (index) => BigInt(index) << 48n;

/**
 * The part of rc13's CallContext used here.
 * @typedef {{ alloc(size: number | bigint): bigint; length(addr: bigint): bigint; read(addr: bigint): { string(): string } | null; getVariable(name: string): { byteLength: number } | null; [key: symbol]: unknown }} KernelContext
 */

/** Counts and caps what one plugin instance makes the host hold. One per instance. */
export class HostMemoryGuard {
  /** @param {HostMemoryLimits} limits */
  constructor(limits) {
    this.limits = limits;
    /** Live blocks of the current call: index → bytes. @type {Map<number, number>} */
    this.blocks = new Map();
    this.blockBytes = 0;
    /** The highest block index seen this call. */
    this.lastIndex = 0;
    /** Vars: key → bytes (key and value). @type {Map<string, number>} */
    this.vars = new Map();
    this.varBytes = 0;
    /** @type {KernelContext | undefined} */
    this.context = undefined;
    /** @type {{ reset(): Promise<boolean> | boolean; isActive?(): boolean } | undefined} */
    this.plugin = undefined;
    this.storing = false;
    /** The refusal of this call, if any: sticky, so a host function that catches it cannot carry on. @type {KernelLimitError | undefined} */
    this.refused = undefined;
  }

  /** Bytes held now: live blocks of this call plus vars. */
  get heldBytes() {
    return this.blockBytes + this.varBytes;
  }

  /**
   * The `extism:host/env` functions to pass to `createPlugin` (merge them into that namespace).
   * @returns {Record<string, (context: any, ...args: any[]) => any>}
   */
  kernelFunctions() {
    /** @type {Record<string, (context: any, ...args: any[]) => any>} */
    const functions = {};
    functions["free"] = this.#kernel("free", (original, addr) => {
      original(addr);
      this.#release(indexOf(/** @type {bigint} */ (addr)));
    });
    for (const name of LOG_FUNCTIONS) {
      functions[name] = this.#kernel(name, (original, addr) => {
        original(addr);
        this.#release(indexOf(/** @type {bigint} */ (addr)));
      });
    }
    functions["var_set"] = this.#kernel("var_set", (original, keyAddr, valueAddr) => this.#varSet(original, /** @type {bigint} */ (keyAddr), /** @type {bigint} */ (valueAddr)));
    return functions;
  }

  /**
   * Starts counting afresh at every call of `plugin` (rc13 empties the block table in `call`),
   * and lets the guard free a refused call's blocks right after it failed.
   * @param {{ call(...args: any[]): Promise<unknown>; reset(): Promise<boolean> | boolean; isActive?(): boolean }} plugin
   */
  attach(plugin) {
    const call = plugin.call.bind(plugin);
    this.plugin = plugin;
    plugin.call = (/** @type {any[]} */ ...args) => {
      this.blocks.clear();
      this.blockBytes = 0;
      this.lastIndex = 0;
      this.refused = undefined;
      return call(...args);
    };
  }

  /**
   * A kernel function that calls the kernel's own one (taken when createPlugin binds it).
   * @param {string} name
   * @param {(original: (...args: unknown[]) => unknown, ...args: unknown[]) => unknown} body
   */
  #kernel(name, body) {
    const guard = this;
    /** @type {(...args: unknown[]) => unknown} */
    let original = () => {
      throw new Error(`threadspace: the Extism kernel's ${name} was not captured (an @extism/extism other than 2.0.0-rc13?)`);
    };
    /** @param {unknown} _context @param {unknown[]} args */
    const fn = function kernelFunction(_context, ...args) {
      return body(original, ...args);
    };
    Object.defineProperty(fn, "bind", {
      /** @param {unknown} thisArg @param {unknown[]} bound */
      value(thisArg, ...bound) {
        const context = /** @type {KernelContext} */ (bound[0]);
        const env = guard.#envOf(context);
        const own = env?.[name];
        if (typeof own === "function") original = /** @type {(...args: unknown[]) => unknown} */ (own);
        guard.#patch(context);
        return Function.prototype.bind.call(fn, thisArg, ...bound);
      },
    });
    return fn;
  }

  /**
   * The context's kernel functions object (rc13 keeps it under a symbol named "env").
   * @param {KernelContext} context
   * @returns {Record<string, unknown> | undefined}
   */
  #envOf(context) {
    if (typeof context !== "object" || context === null) return undefined;
    const symbol = Object.getOwnPropertySymbols(context).find((s) => s.description === "env");
    return symbol === undefined ? undefined : /** @type {Record<string, unknown>} */ (context[symbol]);
  }

  /**
   * Checks every block before it is made: the context's `alloc` and STORE, patched on the instance.
   * @param {KernelContext} context
   */
  #patch(context) {
    if (this.context === context) return;
    this.context = context;
    const proto = Object.getPrototypeOf(context);
    const storeSymbol = Object.getOwnPropertySymbols(proto).find((s) => s.description === "store-value");
    const alloc = context.alloc.bind(context);
    Object.defineProperty(context, "alloc", {
      configurable: true,
      writable: true,
      /** @param {number | bigint} size */
      value: (size) => {
        if (this.storing) return alloc(size);
        const bytes = Number(size);
        this.#admit(bytes);
        const addr = alloc(size);
        this.#track(indexOf(addr), bytes);
        return addr;
      },
    });
    if (storeSymbol === undefined) return;
    const store = /** @type {(input: unknown) => unknown} */ (proto[storeSymbol]).bind(context);
    Object.defineProperty(context, storeSymbol, {
      configurable: true,
      writable: true,
      /** @param {unknown} input */
      value: (input) => {
        const bytes = input instanceof Uint8Array ? input.byteLength : typeof input === "string" ? input.length : 0;
        if (typeof input === "string" || input instanceof Uint8Array) this.#admit(bytes);
        this.storing = true;
        let index;
        try {
          index = store(input);
        } finally {
          this.storing = false;
        }
        if (typeof index === "number" && index > 0) this.#track(index, Number(context.length(addressOf(index))));
        return index;
      },
    });
  }

  /**
   * Refuses a block of `bytes` that would take the plugin over a cap (after a sweep).
   * @param {number} bytes
   */
  #admit(bytes) {
    if (this.refused !== undefined) throw this.refused;
    if (this.lastIndex + 1 >= MAX_BLOCKS + 1) {
      this.#refuse(new KernelLimitError("limit_exceeded", `the call used all ${MAX_BLOCKS} Extism memory blocks a call can have (each alloc and each host call's request and reply takes one, and a freed one is not reused within the call); make fewer allocations or host calls per call (limits.hostCallsPerCall)`));
    }
    if (!(bytes >= 0) || this.heldBytes + bytes > this.limits.hostMemoryBytes) {
      this.#sweep();
      if (!(bytes >= 0) || this.heldBytes + bytes > this.limits.hostMemoryBytes) {
        this.#refuse(new KernelLimitError("memory_limit", `the plugin asked the host to hold ${bytes} more bytes of Extism memory while it held ${this.blockBytes} in blocks and ${this.varBytes} in vars: over its cap of ${this.limits.hostMemoryBytes} bytes (limits.hostMemoryBytes). Free blocks once used (free), keep fewer or smaller vars, or raise limits.hostMemoryBytes in plugin.json (the host's policy caps it)`));
      }
    }
  }

  /**
   * @param {number} index
   * @param {number} bytes
   */
  #track(index, bytes) {
    if (index > this.lastIndex) this.lastIndex = index;
    const previous = this.blocks.get(index);
    if (previous !== undefined) this.blockBytes -= previous;
    this.blocks.set(index, bytes);
    this.blockBytes += bytes;
  }

  /** @param {number} index */
  #release(index) {
    const bytes = this.blocks.get(index);
    if (bytes === undefined) return;
    this.blocks.delete(index);
    this.blockBytes -= bytes;
  }

  /** Drops blocks the kernel freed without telling (rc13 returns length 0 for a freed block). */
  #sweep() {
    const context = this.context;
    if (context === undefined) return;
    for (const [index, bytes] of this.blocks) {
      if (bytes > 0 && context.length(addressOf(index)) === 0n) {
        this.blocks.delete(index);
        this.blockBytes -= bytes;
      }
    }
  }

  /**
   * Fails the call and frees its blocks as soon as it has unwound.
   * @param {KernelLimitError} error
   * @returns {never}
   */
  #refuse(error) {
    this.refused = error;
    const plugin = this.plugin;
    if (plugin !== undefined) {
      queueMicrotask(() => {
        if (plugin.isActive?.() === true) return;
        this.blocks.clear();
        this.blockBytes = 0;
        void plugin.reset();
      });
    }
    throw error;
  }

  /**
   * `var_set` under `maxVarBytes` and `hostMemoryBytes`: a var that would go over is refused
   * (the call fails with `memory_limit`) and not set.
   * @param {(...args: unknown[]) => unknown} original
   * @param {bigint} keyAddr
   * @param {bigint} valueAddr
   */
  #varSet(original, keyAddr, valueAddr) {
    const context = this.context;
    const key = context?.read(keyAddr)?.string();
    if (context === undefined || key === undefined) return original(keyAddr, valueAddr);
    const before = this.vars.get(key) ?? 0;
    if (valueAddr !== 0n) {
      const size = encoder.encode(key).byteLength + Number(context.length(valueAddr));
      const vars = this.varBytes - before + size;
      if (vars > this.limits.maxVarBytes) {
        this.#refuse(new KernelLimitError("memory_limit", `var_set "${key.slice(0, 64)}" would make the plugin's vars ${vars} bytes, over its cap of ${this.limits.maxVarBytes} bytes (limits.maxVarBytes); the var was not set. Keep fewer or smaller vars (var_set with a null value deletes one), or raise limits.maxVarBytes`));
      }
      if (this.blockBytes + vars > this.limits.hostMemoryBytes) {
        this.#sweep();
        if (this.blockBytes + vars > this.limits.hostMemoryBytes) {
          this.#refuse(new KernelLimitError("memory_limit", `var_set "${key.slice(0, 64)}" would make the host hold ${this.blockBytes + vars} bytes for the plugin (blocks and vars), over its cap of ${this.limits.hostMemoryBytes} bytes (limits.hostMemoryBytes); the var was not set`));
        }
      }
    }
    const result = original(keyAddr, valueAddr);
    const now = context.getVariable(key);
    const after = now === null ? 0 : encoder.encode(key).byteLength + now.byteLength;
    if (after === 0) this.vars.delete(key);
    else this.vars.set(key, after);
    this.varBytes += after - before;
    return result;
  }
}
