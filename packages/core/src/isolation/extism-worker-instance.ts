/**
 * A plugin run by Extism's own worker mode (`createPlugin({ runInWorker: true })`), the fallback
 * transport where `Atomics.waitAsync` is missing (`isolation.transport: "extism"`). Every fix this
 * transport needs in @extism/extism 2.0.0-rc13 lives here and nowhere else: the live kernel (its
 * worker keeps a copy of the config), idle `reset()`s, clearing its own timer, waking a host-call
 * reply nobody will read, and finding its kernel behind a private symbol.
 */
import type { CallContext, Plugin } from "@extism/extism";
import { platform } from "#platform";
import { METER_MODULE } from "../fuel/fuel-meter.ts";

/** The largest fuel slice an i32 counter takes (see {@link unmeteredFuel}). */
const UNMETERED_SLICE = 0x3fff_ffff;
import { ThreadspaceError } from "@threadspace/errors";
import type { ExtismHostFunction } from "@threadspace/host";
import { GuestErrorKind, classifyExtismWorkerError, guestError, isExtismLinkError } from "./extism-errors.ts";
import type { CallOptions, CallOutcome, WorkerInstance } from "./instance.ts";
import type { CallVars } from "../replay/call-vars.ts";
import { LOG_PRIORITY, type LogPriorityName } from "./bridge/protocol.ts";

const USER_MODULE = "extism:host/user";
const KERNEL_MODULE = "extism:host/env";

/**
 * Calls between `reset()`s. rc13 fails after 16,383 calls without one, but the real reason to
 * reset often is speed: Extism copies every freed block slot ([null, index]) between the threads
 * on every call and host call, so a call costs more the longer since the last reset (a call
 * with one `config_get` measured 1.1 ms at 1000, 0.13-0.17 ms at 8-16; bench/isolation). A reset
 * is one round trip (about 50 µs), so 16 keeps both small.
 */
export const DEFAULT_RESET_EVERY = 16;

/** How long, after a worker is terminated, its reply buffer is poked so that no host call waits for it. */
const UNBLOCK_MS = 2000;
const UNBLOCK_EVERY_MS = 25;

/** The public fields of rc13's worker-mode plugin (`BackgroundPlugin`, declared in its .d.ts but not exported). */
interface BackgroundFields {
  /** The thread the guest runs in; null once Extism closed it. */
  worker: { on(event: string, listener: (...args: unknown[]) => void): void; terminate(): unknown } | null;
  /** Extism's options; `timeoutMs` is read on every call. */
  opts: { timeoutMs: number | null };
  /** Word 0 of the buffer the threads hand host-call replies over with (Atomics). */
  hostFlag: Int32Array;
}
type BackgroundPlugin = Plugin & BackgroundFields;

/**
 * The meter's imports for a metered module under Extism's runInWorker, whose guest runs in a worker
 * we cannot reach between calls: its host functions run on the engine's thread, so the fuel
 * counter cannot be read there. Fuel is handed out without a budget in the largest slices (one
 * refuel per ~10^9 instructions), no fuel is reported, and timeouts stop the call by terminating
 * the worker, as for an unmetered module. Transport "bridge" (the default) meters fully.
 */
function unmeteredFuel(module: WebAssembly.Module): Record<string, Record<string, () => number | undefined>> {
  if (!WebAssembly.Module.imports(module).some((entry) => entry.module === METER_MODULE)) return {};
  return { [METER_MODULE]: { refuel: () => UNMETERED_SLICE, grow_refused: () => undefined } };
}

/** True for the plugin `createPlugin({ runInWorker: true })` made. */
function isBackgroundPlugin(plugin: Plugin): plugin is BackgroundPlugin {
  return "worker" in plugin && "opts" in plugin && "hostFlag" in plugin;
}

/**
 * Extism serves a host call on the engine's thread and then waits (Atomics.waitAsync, polling
 * every 500 ms, with a 0 ms setInterval running meanwhile) for the worker to read the reply. A
 * worker terminated in that window never reads it, and the wait would last forever: a plugin
 * that loops over host calls is usually stopped right there. Writing a value no reader waits
 * for into the flag, and waking it, lets that host call finish into the dead buffer.
 */
function unblockHostCalls(flag: Int32Array): void {
  let left = Math.ceil(UNBLOCK_MS / UNBLOCK_EVERY_MS);
  const poke = (): void => {
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
    if (--left <= 0) clearInterval(timer);
  };
  const timer = setInterval(poke, UNBLOCK_EVERY_MS);
  (timer as { unref?: () => void }).unref?.();
  poke();
}

/** Frees a kernel block on the main-thread context: rc13 keeps its kernel under a private symbol described "env". */
function freeBlock(context: CallContext, handle: bigint): void {
  kernelFunction(context, "free")?.(handle);
}

/** One of the context's own kernel functions (rc13 keeps them under a symbol named "env"). */
function kernelFunction(context: CallContext, name: string): ((...args: bigint[]) => unknown) | undefined {
  const env = Object.getOwnPropertySymbols(context).find((symbol) => symbol.description === "env");
  const kernel: unknown = env === undefined ? undefined : Reflect.get(context, env);
  const fn: unknown = typeof kernel === "object" && kernel !== null ? Reflect.get(kernel, name) : undefined;
  return typeof fn === "function" ? (fn as (...args: bigint[]) => unknown) : undefined;
}

/** The vars of the call in flight when it is recorded or replayed (replay/call-vars.ts); set by the instance per call. */
interface VarsSlot {
  vars: CallVars | undefined;
}

/** What the engine's thread serves of the kernel: the live config and log level (Extism's worker would keep copies). */
export interface ExtismWorkerKernel {
  readonly config: Readonly<Record<string, string>>;
  logLevel(): LogPriorityName;
}

/** Options of {@link ExtismWorkerInstance.start}. */
export interface ExtismWorkerOptions {
  /** The plugin's name, for errors and the worker's name. */
  readonly plugin: string;
  readonly useWasi: boolean;
  /** `extism:host/user` functions, served on the engine's thread. */
  readonly functions: Record<string, ExtismHostFunction>;
  readonly kernel: ExtismWorkerKernel;
  /** Where kernel log lines go (Extism's logger), and the level it starts at. */
  readonly logger: Console;
  readonly logLevel: Exclude<LogPriorityName, "silent">;
  /** Longest the worker may take to start and instantiate (Extism's timer, cleared after). */
  readonly startTimeoutMs: number;
  /** `reset()` while idle after this many calls; default {@link DEFAULT_RESET_EVERY}. */
  readonly resetEvery?: number | undefined;
  /** The guest memory cap in pages, named in trap messages (this transport cannot read the guest's memory). */
  readonly memoryCap: number;
  /** Extism's own cap on vars (its worker's blocks cannot be guarded from the engine's thread: docs/security.md). */
  readonly maxVarBytes?: number;
  /** Modules linked with the main one, by name (plugin.json `modules`). */
  readonly linked?: Readonly<Record<string, WebAssembly.Module>>;
}

/**
 * `functions` as Extism takes them: bare names in `extism:host/user`, `<module>#<name>` keys
 * (bridgeKey) in their own namespace. The kernel's HTTP functions are not among them: under
 * runInWorker Extism's own HTTP context serves http_request (with no allowed hosts: refused).
 */
function byNamespace(functions: Record<string, ExtismHostFunction>): Record<string, Record<string, ExtismHostFunction>> {
  const out: Record<string, Record<string, ExtismHostFunction>> = { [USER_MODULE]: {} };
  for (const [key, fn] of Object.entries(functions)) {
    const at = key.lastIndexOf("#");
    if (at <= 0) (out[USER_MODULE] as Record<string, ExtismHostFunction>)[key] = fn;
    else if (key.slice(0, at) !== KERNEL_MODULE) (out[key.slice(0, at)] ??= {})[key.slice(at + 1)] = fn;
  }
  return out;
}

/** Kernel functions served on the engine's thread, so that a worker plugin sees what an inline one sees. */
function liveKernel(kernel: ExtismWorkerKernel, slot: VarsSlot, maxVarBytes: number | undefined): Record<string, (context: CallContext, ...args: bigint[]) => unknown> {
  return {
    config_get(context, handle = 0n) {
      const key = context.read(handle)?.text();
      freeBlock(context, handle);
      if (key === undefined || !Object.prototype.hasOwnProperty.call(kernel.config, key)) return 0n;
      return context.store(kernel.config[key] ?? "");
    },
    get_log_level: () => LOG_PRIORITY[kernel.logLevel()],
    // Vars live in the context on this thread (as Extism's own var_get/var_set, which these call
    // unless the call is recorded or replayed: then its CallVars notes or serves them).
    var_get(context, handle = 0n) {
      const vars = slot.vars;
      if (vars === undefined) return kernelFunction(context, "var_get")?.(handle) ?? 0n;
      const key = context.read(handle)?.text();
      freeBlock(context, handle);
      if (key === undefined) return 0n;
      const value = vars.get(key, () => context.getVariable(key)?.bytes() ?? null);
      return value === null ? 0n : context.store(value);
    },
    var_set(context, keyHandle = 0n, valueHandle = 0n) {
      const vars = slot.vars;
      const key = vars === undefined ? undefined : context.read(keyHandle)?.text();
      const value = valueHandle === 0n ? null : (context.read(valueHandle)?.bytes() ?? null);
      if (vars !== undefined && key !== undefined && (valueHandle === 0n || value !== null)) {
        const size = vars.sizeWith(key, value);
        if (maxVarBytes !== undefined && size > maxVarBytes) throw new Error(`var_set "${key.slice(0, 64)}" would make the replayed call's vars ${size} bytes, over the plugin's cap of ${maxVarBytes} bytes (limits.maxVarBytes)`);
        if (!vars.set(key, value)) return undefined;
      }
      return kernelFunction(context, "var_set")?.(keyHandle, valueHandle);
    },
  };
}

/** A plugin in a worker of Extism's `runInWorker`, as an {@link WorkerInstance}. */
export class ExtismWorkerInstance implements WorkerInstance {
  /** `reset()`s done while idle. */
  resets = 0;
  readonly #plugin: BackgroundPlugin;
  readonly #options: ExtismWorkerOptions;
  readonly #resetEvery: number;
  #sinceReset = 0;
  #stopping = false;
  #exited = false;
  readonly #exits: Array<(why: string) => void> = [];

  readonly #slot: VarsSlot;

  private constructor(plugin: BackgroundPlugin, options: ExtismWorkerOptions, slot: VarsSlot) {
    this.#plugin = plugin;
    this.#slot = slot;
    this.#options = options;
    this.#resetEvery = Math.max(1, options.resetEvery ?? DEFAULT_RESET_EVERY);
    // Extism's own timer (it guarded instantiation) would restart the worker behind the supervisor's back.
    plugin.opts.timeoutMs = null;
    plugin.worker?.on("exit", () => this.#exit("exited"));
    plugin.worker?.on("error", (error: unknown) => this.#exit(`failed (${error instanceof Error ? error.message : String(error)})`));
  }

  /** Starts a worker and instantiates `module` in it; `wasm_invalid` when an import cannot be resolved, else `init_failed`. */
  static async start(module: WebAssembly.Module, options: ExtismWorkerOptions): Promise<ExtismWorkerInstance> {
    let plugin: Plugin;
    const slot: VarsSlot = { vars: undefined };
    try {
      // A fresh `functions` object each time: Extism adds var_get/var_set bound to the instance.
      const createPlugin = await platform.loadExtism();
      plugin = await createPlugin(
        { wasm: [...Object.entries(options.linked ?? {}).map(([name, linked]) => ({ name, module: linked })), { name: "main", module }] },
        {
          runInWorker: true,
          timeoutMs: options.startTimeoutMs,
          useWasi: options.useWasi,
          config: { ...options.kernel.config },
          logger: options.logger,
          logLevel: options.logLevel,
          functions: { ...byNamespace(options.functions), [KERNEL_MODULE]: liveKernel(options.kernel, slot, options.maxVarBytes), ...unmeteredFuel(module) },
          nodeWorkerArgs: { name: `threadspace plugin ${options.plugin}`, ...(platform.extismWorkerExecArgv === undefined ? {} : { execArgv: [...platform.extismWorkerExecArgv] }) },
          ...(options.maxVarBytes === undefined ? {} : { memory: { maxVarBytes: options.maxVarBytes } }),
        },
      );
    } catch (cause) {
      throw new ThreadspaceError(isExtismLinkError(cause) ? "wasm_invalid" : "init_failed", `could not be instantiated in a worker: ${cause instanceof Error ? cause.message : String(cause)}`, { plugin: options.plugin, cause });
    }
    if (!isBackgroundPlugin(plugin)) {
      await plugin.close();
      throw new ThreadspaceError("init_failed", "could not be instantiated in a worker: @extism/extism did not start one (runInWorker is unsupported here).", { plugin: options.plugin });
    }
    return new ExtismWorkerInstance(plugin, options, slot);
  }

  /** This transport cannot read the guest's memory from the engine's thread. */
  get memoryPages(): undefined {
    return undefined;
  }

  onExit(listener: (why: string) => void): void {
    this.#exits.push(listener);
  }

  #exit(why: string): void {
    if (this.#exited || this.#stopping) return;
    this.#exited = true;
    for (const listener of this.#exits.splice(0)) listener(why);
  }

  async call(exportName: string, input: string | Uint8Array, options?: CallOptions): Promise<CallOutcome> {
    const plugin = this.#plugin;
    if (this.#stopping || this.#exited) throw new ThreadspaceError("plugin_unavailable", `${exportName} was called on a closed instance.`, { plugin: this.#options.plugin });
    if (this.#sinceReset >= this.#resetEvery) {
      // Idle here: the caller sends one call at a time.
      await plugin.reset();
      this.#sinceReset = 0;
      this.resets++;
    }
    this.#sinceReset++;
    this.#slot.vars = options?.vars;
    try {
      const output = await plugin.call(exportName, input, options?.tx);
      return { output: output === null ? null : output.bytes(), fuelUsed: undefined };
    } catch (cause) {
      // Extism closes the worker itself when it fails to serve a host call: report it as gone.
      if (plugin.worker === null) this.#exit("was closed by Extism after an internal error");
      throw this.#callError(cause, exportName);
    } finally {
      this.#slot.vars = undefined;
    }
  }

  #callError(cause: unknown, exportName: string): ThreadspaceError {
    const failure = classifyExtismWorkerError(cause);
    if (failure.kind !== GuestErrorKind.TRAP) return guestError(failure, this.#options.plugin, exportName, cause);
    // A trap. Guest memory lives in the worker, so whether it hit its cap cannot be checked.
    const note = ` (in worker isolation the engine cannot see guest memory: if ${exportName} was allocating, it may have reached its cap of ${this.#options.memoryCap} pages, limits.memoryPages)`;
    return guestError({ kind: failure.kind, message: failure.message + note }, this.#options.plugin, exportName, cause);
  }

  terminate(): void {
    this.#stopping = true;
    void this.#plugin.worker?.terminate();
    unblockHostCalls(this.#plugin.hostFlag);
  }

  async close(): Promise<void> {
    this.#stopping = true;
    try {
      await this.#plugin.close();
    } finally {
      unblockHostCalls(this.#plugin.hostFlag);
    }
  }
}
